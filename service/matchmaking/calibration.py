"""Learning from outcomes: finished pairings' components against how they ended.

A finished pairing that came from a run's proposal has the components it was
scored with. It ended well when it completed and neither person said it was not
a fit; poorly when it ended early or either said so. Manual pairings have no
components of their own and are counted apart.
"""

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, col, select

import matching
from service.models import Fit, Pairing, PairingStatus, Proposal


@dataclass(frozen=True)
class History:
    components: np.ndarray
    good: np.ndarray
    without_components: int


def history(*, session: Session) -> History:
    """The components and outcome of every finished pairing made from a proposal."""
    rows = session.exec(
        select(Pairing.status, Pairing.mentee_fit, Pairing.mentor_fit, Proposal.components)
        .join(Proposal, col(Proposal.id) == col(Pairing.proposal_id), isouter=True)
        .where(col(Pairing.status).in_([PairingStatus.completed, PairingStatus.ended_early]))
        .order_by(col(Pairing.id))
    ).all()
    components, good, without = [], [], 0
    for status, mentee_fit, mentor_fit, scored in rows:
        if not scored or any(name not in scored for name in matching.COMPONENTS):
            without += 1
            continue
        components.append([float(scored[name]) for name in matching.COMPONENTS])
        not_a_fit = Fit.not_a_fit in (mentee_fit, mentor_fit)
        good.append(status == PairingStatus.completed and not not_a_fit)
    return History(
        components=np.asarray(components, np.float64).reshape(-1, len(matching.COMPONENTS)),
        good=np.asarray(good, bool),
        without_components=without,
    )


def report_lines(found: matching.Calibration, current: matching.Weights, skipped: int) -> list[str]:
    """The calibration report as a coordinator reads it."""

    def weights(w: matching.Weights) -> str:
        return ", ".join(f"{name} {getattr(w, name):.2f}" for name in matching.COMPONENTS)

    def auc(value: float, interval: tuple[float, float]) -> str:
        return f"AUC {value:.3f} (95% interval {interval[0]:.3f}-{interval[1]:.3f})"

    poor = found.n_pairings - found.n_good
    lines = [
        f"Finished pairings from match runs: {found.n_pairings} "
        f"({found.n_good} ended well, {poor} ended early or not a fit)",
    ]
    if skipped:
        lines.append(f"Left out: {skipped} made by hand, without a run's components")
    lines += [
        f"Current weights: {weights(current)}",
        f"  predict outcomes with {auc(found.auc_current, found.auc_current_interval)}",
        f"Fitted weights:  {weights(found.weights)}",
        f"  predict outcomes with {auc(found.auc_fitted, found.auc_fitted_interval)}, "
        f"out of {found.folds} folds",
        "An AUC of 0.5 is chance, 1.0 perfect. Nothing changes until a coordinator runs with "
        "the fitted weights: POST /match-runs with "
        '{"weights": {'
        + ", ".join(f'"{n}": {getattr(found.weights, n):.2f}' for n in matching.COMPONENTS)
        + "}}",
    ]
    return lines


@dataclass(frozen=True)
class Assessment:
    """The history, and what calibrating on it found (or why it could not)."""

    history: History
    current: matching.Weights
    found: matching.Calibration | None
    refusal: str | None


def assess(*, session: Session, folds: int) -> Assessment:
    """Calibrate on this database's history; too little of it is an answer, not an error."""
    found = history(session=session)
    current = matching.Weights()
    try:
        result = matching.calibrate(found.components, found.good, current, folds=folds)
    except ValueError as exc:
        if not str(exc).startswith("too little data"):
            raise
        return Assessment(history=found, current=current, found=None, refusal=str(exc))
    return Assessment(history=found, current=current, found=result, refusal=None)


def report(*, session: Session, folds: int) -> list[str]:
    """The calibration report on this database's history, line by line.

    Raises ``ValueError`` (``too little data: ...``) when there is not enough of it.
    """
    found = history(session=session)
    current = matching.Weights()
    result = matching.calibrate(found.components, found.good, current, folds=folds)
    return report_lines(result, current, found.without_components)
