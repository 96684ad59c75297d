"""A run's review as spreadsheets, and the decisions a coordinator writes back into one.

The proposals file has a ``decision`` column: ``accept``, ``reject`` (with the reason
in ``decision_note``) or empty for undecided. Uploading it back applies every
decision in one step, all or none; a decision already taken (the file downloaded
after deciding, or uploaded twice) counts as unchanged.
"""

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

import matching
from service.crud import audit
from service.errors import Conflict, FieldError, InvalidInput
from service.matchmaking import decisions
from service.matchmaking.runs import get, proposals_public, unmatched_page
from service.models import DecisionsSummary, Proposal, ProposalStatus
from service.spreadsheets.formats import Cell, SheetFormat, Table, write_table

PROPOSAL_COLUMNS = (
    "proposal_id",
    "mentee_id",
    "mentee_name",
    "mentee_organisation",
    "mentor_id",
    "mentor_name",
    "mentor_organisation",
    "score",
    *matching.COMPONENTS,
    "reason",
    "runner_up_id",
    "runner_up_name",
    "runner_up_score",
    "status",
    "decision",
    "decision_note",
)
UNMATCHED_COLUMNS = ("mentee_id", "mentee_name", "mentee_organisation", "reason_code", "reason")
_DECISIONS = {
    "accept": ProposalStatus.accepted,
    "accepted": ProposalStatus.accepted,
    "reject": ProposalStatus.rejected,
    "rejected": ProposalStatus.rejected,
}
_WRITTEN_DECISION = {ProposalStatus.accepted: "accept", ProposalStatus.rejected: "reject"}


def proposals_sheet(*, session: Session, run_id: int, sheet_format: SheetFormat) -> bytes:
    """All of a run's proposals, for review (and decision) in a spreadsheet."""
    get(session=session, run_id=run_id)
    rows = session.exec(
        select(Proposal).where(col(Proposal.match_run_id) == run_id).order_by(col(Proposal.id))
    ).all()

    def cells() -> list[list[Cell]]:
        out: list[list[Cell]] = []
        for proposal in proposals_public(session=session, rows=rows):
            runner_up = proposal.runner_up
            out.append(
                [
                    proposal.id,
                    proposal.mentee.id,
                    proposal.mentee.name,
                    proposal.mentee.organisation,
                    proposal.mentor.id,
                    proposal.mentor.name,
                    proposal.mentor.organisation,
                    round(proposal.score, 4),
                    *(round(proposal.components.get(k, 0.0), 4) for k in matching.COMPONENTS),
                    proposal.reason,
                    runner_up.id if runner_up else None,
                    runner_up.name if runner_up else None,
                    round(proposal.runner_up_score, 4)
                    if proposal.runner_up_score is not None
                    else None,
                    proposal.status.value,
                    _WRITTEN_DECISION.get(proposal.status, ""),
                    proposal.decision_note,
                ]
            )
        return out

    return write_table(
        PROPOSAL_COLUMNS, cells(), sheet_format=sheet_format, title=f"run {run_id} proposals"
    )


def unmatched_sheet(*, session: Session, run_id: int, sheet_format: SheetFormat) -> bytes:
    """The mentees a run left unmatched, with reasons."""
    data, _ = unmatched_page(session=session, run_id=run_id, limit=10**9, offset=0)
    rows: list[list[Cell]] = [
        [item.mentee.id, item.mentee.name, item.mentee.organisation, item.reason_code, item.reason]
        for item in data
    ]
    return write_table(
        UNMATCHED_COLUMNS, rows, sheet_format=sheet_format, title=f"run {run_id} unmatched"
    )


@dataclass(frozen=True)
class _Decision:
    line: int
    proposal_id: int
    status: ProposalStatus
    note: str


def _read_decisions(table: Table) -> tuple[list[_Decision], list[FieldError]]:
    missing = [name for name in ("proposal_id", "decision") if name not in table.header]
    if missing:
        raise InvalidInput.for_fields(
            [
                FieldError(
                    field="header",
                    message=f"missing required columns {missing}; download the proposals "
                    "file of this run and fill in its decision column",
                )
            ]
        )
    errors = list(table.errors)
    found: list[_Decision] = []
    for line, raw in table.rows:
        word = raw["decision"].strip().casefold()
        if not word:
            continue
        cell = raw["proposal_id"].strip()
        if not (cell.isdigit() and 1 <= int(cell) <= 2**31 - 1):
            errors.append(FieldError(field=f"row {line}: proposal_id", message="must be an id"))
            continue
        status = _DECISIONS.get(word)
        if status is None:
            errors.append(
                FieldError(
                    field=f"row {line}: decision",
                    message="must be accept, reject or empty (undecided)",
                )
            )
            continue
        note = (raw.get("decision_note") or "").strip()
        if status is ProposalStatus.rejected and not note:
            errors.append(
                FieldError(
                    field=f"row {line}: decision_note", message="give the reason for rejecting"
                )
            )
            continue
        if len(note) > 500:
            errors.append(
                FieldError(field=f"row {line}: decision_note", message="at most 500 characters")
            )
            continue
        found.append(_Decision(line, int(cell), status, note))
    repeated = {i for i, n in Counter(d.proposal_id for d in found).items() if n > 1}
    for decision in found:
        if decision.proposal_id in repeated:
            errors.append(
                FieldError(
                    field=f"row {decision.line}: proposal_id",
                    message=f"proposal {decision.proposal_id} is decided on more than one row",
                )
            )
    return found, errors


def decide_from_table(*, session: Session, run_id: int, table: Table) -> DecisionsSummary:
    """Apply every decision in a proposals file of this run, or none of them."""
    decisions.lock_run(session=session, run_id=run_id)
    found, errors = _read_decisions(table)
    proposals = {
        p.id: p
        for p in session.exec(
            select(Proposal).where(
                col(Proposal.match_run_id) == run_id,
                col(Proposal.id).in_([d.proposal_id for d in found]),
            )
        )
    }
    to_accept: list[decisions.Named] = []
    to_reject: list[tuple[Proposal, str]] = []
    unchanged = 0
    for decision in found:
        proposal = proposals.get(decision.proposal_id)
        field = f"row {decision.line}: proposal_id"
        if proposal is None:
            message = f"run {run_id} has no proposal {decision.proposal_id}"
            errors.append(FieldError(field=field, message=message))
        elif proposal.status == decision.status:
            unchanged += 1
        elif proposal.status != ProposalStatus.proposed:
            message = f"proposal {decision.proposal_id} is already {proposal.status}"
            errors.append(FieldError(field=field, message=message))
        elif decision.status is ProposalStatus.accepted:
            to_accept.append(decisions.Named(decision.proposal_id, f"row {decision.line}"))
        else:
            to_reject.append((proposal, decision.note))
    if errors:
        raise InvalidInput(
            f"{len(errors)} problem(s) in the file; no decision was applied", errors=errors
        )
    if not to_accept and not to_reject and not unchanged:
        raise InvalidInput.for_fields(
            [FieldError(field="file", message="has no decision: write accept or reject")]
        )
    for proposal, note in to_reject:
        decisions.reject_proposal(session=session, proposal=proposal, reason=note)
    open_ones = {item.proposal_id: proposals[item.proposal_id] for item in to_accept}
    try:
        if to_accept:
            decisions.accept_named(
                session=session, run_id=run_id, named=to_accept, open_ones=open_ones
            )
    except Conflict as exc:
        raise Conflict(
            f"{len(exc.errors)} of the accepted rows cannot be paired now; no decision was applied",
            errors=exc.errors,
        ) from exc
    summary = DecisionsSummary(
        accepted=len(to_accept), rejected=len(to_reject), unchanged=unchanged
    )
    audit.record(
        session,
        action="match_run.decided_from_file",
        subject_type="match_run",
        subject_id=run_id,
        details=summary.model_dump(),
    )
    return summary
