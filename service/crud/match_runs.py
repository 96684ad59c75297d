"""Match runs: trigger one over the current cohort, review it, decide on its proposals."""

import csv
import importlib.util
import io
import logging
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

import matching
from service import cohort as cohorts
from service.crud import pairings, profiles
from service.crud.exclusions import exclude_pair
from service.errors import Conflict, FieldError, InvalidInput, NotFound
from service.models import (
    ExclusionReason,
    MatchRun,
    MatchRunCreate,
    MatchRunPublic,
    Mentee,
    Mentor,
    PersonRef,
    Proposal,
    ProposalPublic,
    ProposalStatus,
    Solver,
    Suggestion,
    SuggestionsPublic,
    UnmatchedMentee,
    UnmatchedPublic,
    utcnow,
)

COMPONENTS = ("sector", "skills", "region", "experience")
logger = logging.getLogger("mentormatch.match_runs")


def _parameters(data: MatchRunCreate) -> matching.MatchParameters:
    if data.solver is Solver.flow and importlib.util.find_spec("ortools") is None:
        message = "needs the optional ortools package: pip install 'mentormatch[fast]'"
        raise InvalidInput.for_fields([FieldError(field="solver", message=message)])
    weights = data.weights
    try:
        return matching.MatchParameters(
            weights=matching.Weights(
                skills=weights.skills,
                sector=weights.sector,
                region=weights.region,
                experience=weights.experience,
            ),
            min_score=data.min_score,
            objective=data.objective.value,
            balance=data.balance,
            waiting_bonus=data.waiting_bonus,
            solver=data.solver.value,
        )
    except ValueError as exc:
        raise InvalidInput.for_fields([FieldError(field="weights", message=str(exc))]) from exc


def trigger(
    *, session: Session, data: MatchRunCreate, triggered_by: str, max_pairs: int
) -> MatchRun:
    """Solve the assignment over the current cohort and store the run with its proposals."""
    started = time.perf_counter()
    parameters = _parameters(data)
    cohort = cohorts.load(session=session, cohort=data.cohort)
    pairs = len(cohort.mentees) * len(cohort.mentors)
    if pairs > max_pairs:
        message = (
            f"{len(cohort.mentees)} mentees x {len(cohort.mentors)} mentors = {pairs} pairs is "
            f"more than this service runs at once ({max_pairs}, MENTORMATCH_MAX_RUN_PAIRS); "
            "narrow the cohort by sectors, regions or ids"
        )
        raise InvalidInput.for_fields([FieldError(field="cohort", message=message)])
    result = matching.match(
        cohort.mentees,
        cohort.mentors,
        cohort.vocabulary,
        capacities=cohort.capacities,
        forbidden=cohort.forbidden,
        parameters=parameters,
    )
    report = result.report
    run = MatchRun(
        triggered_by=triggered_by,
        parameters=data.model_dump(mode="json"),
        solver=result.solver,
        mentees_considered=len(cohort.mentees),
        mentors_considered=len(cohort.mentors),
        matched_count=report.matched,
        unmatched_count=len(result.unmatched),
        total_score=round(report.total_score, 4),
        mean_score=round(report.mean_score, 4),
        greedy_matched_count=report.greedy_matched,
        greedy_total_score=round(report.greedy_total_score, 4),
        duration_ms=0.0,
    )
    session.add(run)
    session.flush()
    proposals = [
        {
            "match_run_id": run.id,
            "mentee_id": cohort.mentee_ids[pair.mentee],
            "mentor_id": cohort.mentor_ids[pair.mentor],
            # The engine works in float32; four decimals is all it can vouch for.
            "score": round(float(pair.score), 4),
            "components": {
                "sector": round(pair.sector, 4),
                "skills": round(pair.skills, 4),
                "region": round(pair.region, 4),
                "experience": round(pair.experience, 4),
            },
            "reason": pair.reason[:1000],
            "runner_up_mentor_id": (
                cohort.mentor_ids[pair.runner_up] if pair.runner_up is not None else None
            ),
            "runner_up_score": (
                round(float(pair.runner_up_score), 4) if pair.runner_up_score is not None else None
            ),
            "status": ProposalStatus.proposed.value,
            "decision_note": "",
        }
        for pair in result.pairs
    ]
    if proposals:
        session.execute(insert(Proposal), proposals)
    unmatched = [
        {
            "match_run_id": run.id,
            "mentee_id": cohort.mentee_ids[item.mentee],
            "reason_code": item.code,
            "reason": item.reason[:500],
        }
        for item in result.unmatched
    ]
    if unmatched:
        session.execute(insert(UnmatchedMentee), unmatched)
    run.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    session.add(run)
    session.flush()
    logger.info(
        "match run stored",
        extra={
            "run_id": run.id,
            "mentees": run.mentees_considered,
            "mentors": run.mentors_considered,
            "matched": run.matched_count,
            "unmatched": run.unmatched_count,
            "solver": run.solver,
            "engine_ms": round(sum(result.timings.values()) * 1000, 1),
            "duration_ms": run.duration_ms,
        },
    )
    return run


def to_public(run: MatchRun) -> MatchRunPublic:
    return MatchRunPublic.model_validate(
        run,
        update={
            "extra_matched_over_greedy": run.matched_count - run.greedy_matched_count,
            "score_gain_over_greedy": round(run.total_score - run.greedy_total_score, 4),
        },
    )


def get(*, session: Session, run_id: int) -> MatchRun:
    run = session.get(MatchRun, run_id)
    if run is None:
        raise NotFound(f"no match run with id {run_id}")
    return run


def list_page(*, session: Session, limit: int, offset: int) -> tuple[list[MatchRunPublic], int]:
    rows, count = profiles.page(
        session=session, table=MatchRun, conditions=[], limit=limit, offset=offset
    )
    return [to_public(row) for row in rows], count


def _people(session: Session, table: Any, ids: set[int]) -> dict[int, PersonRef]:
    if not ids:
        return {}
    rows = session.exec(
        select(table.id, table.name, table.organisation).where(col(table.id).in_(ids))
    ).all()
    return {row[0]: PersonRef(id=row[0], name=row[1], organisation=row[2]) for row in rows}


def proposals_public(*, session: Session, rows: Sequence[Proposal]) -> list[ProposalPublic]:
    """Proposals with the people they name, in three queries whatever their number."""
    mentees = _people(session, Mentee, {p.mentee_id for p in rows if p.mentee_id})
    mentors = _people(
        session,
        Mentor,
        {p.mentor_id for p in rows if p.mentor_id}
        | {p.runner_up_mentor_id for p in rows if p.runner_up_mentor_id},
    )
    return [
        ProposalPublic.model_validate(
            proposal,
            update={
                "mentee": mentees[proposal.mentee_id],  # type: ignore[index]
                "mentor": mentors[proposal.mentor_id],  # type: ignore[index]
                "runner_up": mentors.get(proposal.runner_up_mentor_id or 0),
            },
        )
        for proposal in rows
    ]


def proposals_page(
    *,
    session: Session,
    run_id: int,
    status: ProposalStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[ProposalPublic], int]:
    get(session=session, run_id=run_id)
    conditions = [col(Proposal.match_run_id) == run_id]
    if status is not None:
        conditions.append(col(Proposal.status) == status)
    rows, count = profiles.page(
        session=session, table=Proposal, conditions=conditions, limit=limit, offset=offset
    )
    return proposals_public(session=session, rows=rows), count


def unmatched_page(
    *, session: Session, run_id: int, limit: int, offset: int
) -> tuple[list[UnmatchedPublic], int]:
    get(session=session, run_id=run_id)
    rows, count = profiles.page(
        session=session,
        table=UnmatchedMentee,
        conditions=[col(UnmatchedMentee.match_run_id) == run_id],
        limit=limit,
        offset=offset,
    )
    mentees = _people(session, Mentee, {row.mentee_id for row in rows if row.mentee_id})
    data = [
        UnmatchedPublic(
            mentee=mentees[row.mentee_id],  # type: ignore[index]
            reason_code=row.reason_code,
            reason=row.reason,
        )
        for row in rows
    ]
    return data, count


def _lock(*, session: Session, run_id: int) -> MatchRun:
    """Decisions on one run take turns (a PostgreSQL row lock), so each sees the last one's."""
    run = session.exec(
        select(MatchRun).where(col(MatchRun.id) == run_id).with_for_update(key_share=True)
    ).first()
    if run is None:
        raise NotFound(f"no match run with id {run_id}")
    return run


def accept(
    *, session: Session, run_id: int, proposal_ids: Sequence[int] | None
) -> list[ProposalPublic]:
    """Accept the named proposals (or every open one): all of them, or none (409)."""
    _lock(session=session, run_id=run_id)
    query = select(Proposal).where(col(Proposal.match_run_id) == run_id)
    if proposal_ids is None:
        query = query.where(col(Proposal.status) == ProposalStatus.proposed)
    else:
        duplicates = sorted({i for i in proposal_ids if proposal_ids.count(i) > 1})
        if duplicates:
            raise InvalidInput.for_fields(
                [FieldError(field="proposal_ids", message=f"repeated: {duplicates}")]
            )
        query = query.where(col(Proposal.id).in_(proposal_ids))
    found = {p.id: p for p in session.exec(query.order_by(col(Proposal.id)))}
    order = list(found) if proposal_ids is None else list(proposal_ids)
    errors = []
    candidates = []
    for position, proposal_id in enumerate(order):
        field = (
            f"proposal_ids[{position}]" if proposal_ids is not None else f"proposal {proposal_id}"
        )
        proposal = found.get(proposal_id)
        if proposal is None:
            errors.append(
                FieldError(field=field, message=f"run {run_id} has no proposal {proposal_id}")
            )
        elif proposal.status != ProposalStatus.proposed:
            errors.append(
                FieldError(
                    field=field, message=f"proposal {proposal_id} is already {proposal.status}"
                )
            )
        else:
            assert proposal.mentee_id is not None
            assert proposal.mentor_id is not None
            candidates.append(
                pairings.Candidate(
                    mentee_id=proposal.mentee_id,
                    mentor_id=proposal.mentor_id,
                    field=field,
                    proposal_id=proposal.id,
                )
            )
    pairings.create_many(
        session=session, candidates=candidates, known_problems=errors, asked_for=len(order)
    )
    now = utcnow()
    accepted = [found[c.proposal_id] for c in candidates if c.proposal_id is not None]
    for proposal in accepted:
        proposal.status = ProposalStatus.accepted
        proposal.decided_at = now
        session.add(proposal)
    session.flush()
    return proposals_public(session=session, rows=accepted)


def reject(*, session: Session, run_id: int, proposal_id: int, reason: str) -> ProposalPublic:
    _lock(session=session, run_id=run_id)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.match_run_id != run_id:
        raise NotFound(f"run {run_id} has no proposal {proposal_id}")
    if proposal.status != ProposalStatus.proposed:
        raise Conflict(f"proposal {proposal_id} is already {proposal.status}")
    proposal.status = ProposalStatus.rejected
    proposal.decided_at = utcnow()
    proposal.decision_note = reason
    session.add(proposal)
    assert proposal.mentee_id is not None
    assert proposal.mentor_id is not None
    exclude_pair(
        session=session,
        mentee_id=proposal.mentee_id,
        mentor_id=proposal.mentor_id,
        reason=ExclusionReason.rejected_proposal,
        note=reason,
    )
    session.flush()
    (public,) = proposals_public(session=session, rows=[proposal])
    return public


PROPOSAL_COLUMNS = (
    "proposal_id",
    "mentee_id",
    "mentee_name",
    "mentee_organisation",
    "mentor_id",
    "mentor_name",
    "mentor_organisation",
    "score",
    "sector",
    "skills",
    "region",
    "experience",
    "reason",
    "runner_up_id",
    "runner_up_name",
    "runner_up_score",
    "status",
    "decision_note",
)


def proposals_csv(*, session: Session, run_id: int) -> str:
    """All of a run's proposals as CSV, for review in a spreadsheet."""
    get(session=session, run_id=run_id)
    rows = session.exec(
        select(Proposal).where(col(Proposal.match_run_id) == run_id).order_by(col(Proposal.id))
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PROPOSAL_COLUMNS)
    for proposal in proposals_public(session=session, rows=rows):
        runner_up = proposal.runner_up
        writer.writerow(
            [
                proposal.id,
                proposal.mentee.id,
                proposal.mentee.name,
                proposal.mentee.organisation,
                proposal.mentor.id,
                proposal.mentor.name,
                proposal.mentor.organisation,
                f"{proposal.score:.4f}",
                *(f"{proposal.components.get(k, 0.0):.4f}" for k in COMPONENTS),
                proposal.reason,
                runner_up.id if runner_up else "",
                runner_up.name if runner_up else "",
                f"{proposal.runner_up_score:.4f}" if proposal.runner_up_score is not None else "",
                proposal.status.value,
                proposal.decision_note,
            ]
        )
    return buffer.getvalue()


def unmatched_csv(*, session: Session, run_id: int) -> str:
    """The mentees a run left unmatched, with reasons, as CSV."""
    data, _ = unmatched_page(session=session, run_id=run_id, limit=10**9, offset=0)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("mentee_id", "mentee_name", "mentee_organisation", "reason_code", "reason"))
    for item in data:
        writer.writerow(
            (
                item.mentee.id,
                item.mentee.name,
                item.mentee.organisation,
                item.reason_code,
                item.reason,
            )
        )
    return buffer.getvalue()


def suggestions(
    *, session: Session, mentee_id: int, limit: int, min_score: float
) -> SuggestionsPublic:
    """The top eligible mentors for one mentee, honouring capacity and exclusions."""
    mentee = session.get(Mentee, mentee_id)
    if mentee is None or mentee.id is None or mentee.erased_at is not None:
        raise NotFound(f"no mentee with id {mentee_id}")
    ranked = cohorts.suggestions(
        session=session, mentee_id=mentee_id, limit=limit, min_score=min_score
    )
    mentors = _people(session, Mentor, {mentor_id for mentor_id, _, _ in ranked})
    data = [
        Suggestion(
            mentor=mentors[mentor_id],
            places_left=places,
            score=round(pair.score, 4),
            components={name: round(float(getattr(pair, name)), 4) for name in COMPONENTS},
            reason=pair.reason,
        )
        for mentor_id, places, pair in ranked
    ]
    return SuggestionsPublic(
        mentee=PersonRef(id=mentee.id, name=mentee.name, organisation=mentee.organisation),
        data=data,
        count=len(data),
    )
