"""Match runs: solve the assignment over the current cohort, store and read the run."""

import logging
import time
from collections.abc import Sequence

from sqlalchemy import insert
from sqlmodel import Session, col

import matching
from service import metrics
from service.crud import audit, profiles
from service.errors import FieldError, InvalidInput, NotFound
from service.matchmaking import cohort as cohorts
from service.matchmaking.eligibility import exclusion_texts
from service.matchmaking.parameters import match_parameters
from service.models import (
    MatchRun,
    MatchRunCreate,
    MatchRunPublic,
    Mentee,
    Mentor,
    Proposal,
    ProposalPublic,
    ProposalStatus,
    UnmatchedMentee,
    UnmatchedPublic,
)

logger = logging.getLogger("mentormatch.match_runs")


def trigger(
    *, session: Session, data: MatchRunCreate, triggered_by: str, max_pairs: int
) -> MatchRun:
    """Solve the assignment over the current cohort and store the run with its proposals."""
    started = time.perf_counter()
    parameters = match_parameters(data)
    cohorts.check_filter(session=session, cohort=data.cohort)
    cohort = cohorts.load(session=session, cohort=data.cohort)
    if not cohort.mentees or not cohort.mentors:
        nobody = (
            "no mentee is waiting" if not cohort.mentees else "no active mentor has a place left"
        )
        filtered = data.cohort.model_dump(exclude_defaults=True)
        where = " in this cohort filter" if filtered else ""
        raise InvalidInput.for_fields(
            [FieldError(field="cohort", message=f"nothing to match: {nobody}{where}")]
        )
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
        final=data.final,
        mentees_with_waiting_bonus=sum(
            1 for mentee in cohort.mentees if mentee.waited and parameters.waiting_bonus
        ),
    )
    bonus = [round(parameters.waiting_bonus * mentee.waited, 4) for mentee in cohort.mentees]
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
                name: round(float(getattr(pair, name)), 4) for name in matching.COMPONENTS
            },
            "reason": reason[:1000],
            "runner_up_mentor_id": (
                cohort.mentor_ids[pair.runner_up] if pair.runner_up is not None else None
            ),
            "runner_up_score": (
                round(float(pair.runner_up_score), 4) if pair.runner_up_score is not None else None
            ),
            "status": ProposalStatus.proposed.value,
            "decision_note": "",
            "waiting_bonus": bonus[pair.mentee],
        }
        for pair, reason in zip(
            result.pairs, proposal_texts(session, cohort, result.pairs), strict=True
        )
    ]
    if proposals:
        session.execute(insert(Proposal), proposals)
    unmatched = [
        {
            "match_run_id": run.id,
            "mentee_id": cohort.mentee_ids[item.mentee],
            "reason_code": item.code,
            "reason": text[:500],
            "waiting_bonus": bonus[item.mentee],
        }
        for item, text in zip(
            result.unmatched, unmatched_texts(session, cohort, result.unmatched), strict=True
        )
    ]
    if unmatched:
        session.execute(insert(UnmatchedMentee), unmatched)
    run.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    session.add(run)
    session.flush()
    audit.record(
        session,
        action="match_run.created",
        subject_type="match_run",
        subject_id=run.id,
        details={
            "mentees": run.mentees_considered,
            "mentors": run.mentors_considered,
            "matched": run.matched_count,
        },
    )
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
    metrics.record_match_run(run)
    return run


def proposal_texts(
    session: Session, cohort: cohorts.Cohort, pairs: Sequence[matching.Pair]
) -> list[str]:
    """Each proposal's reason, and why it is not the mentee's best eligible mentor if so."""
    offs = [pair.trade_off for pair in pairs if pair.trade_off is not None]
    mentors = profiles.person_refs(session, Mentor, {cohort.mentor_ids[t.better] for t in offs})
    mentees = profiles.person_refs(
        session, Mentee, {cohort.mentee_ids[t.displaced] for t in offs if t.displaced is not None}
    )
    texts = []
    for pair in pairs:
        t = pair.trade_off
        if t is None:
            texts.append(pair.reason)
            continue
        better = mentors[cohort.mentor_ids[t.better]].name
        displaced = mentees[cohort.mentee_ids[t.displaced]].name if t.displaced is not None else ""
        texts.append(f"{pair.reason}; {t.text(better, displaced)}")
    return texts


def unmatched_texts(
    session: Session, cohort: cohorts.Cohort, items: Sequence[matching.Unmatched]
) -> list[str]:
    """Each unmatched mentee's reason, with the closest mentor and what stood in the way."""

    def ids(item: matching.Unmatched) -> tuple[int, int]:
        assert item.closest is not None
        return cohort.mentee_ids[item.mentee], cohort.mentor_ids[item.closest]

    named = [item for item in items if item.closest is not None]
    names = profiles.person_refs(session, Mentor, {ids(item)[1] for item in named})
    excluded = exclusion_texts(
        session=session, pairs=[ids(item) for item in named if item.obstacle == "excluded"]
    )
    texts = []
    for item in items:
        if item.closest is None or item.closest_score is None:
            texts.append(item.reason)
            continue
        pair = ids(item)
        obstacle = excluded[pair] if item.obstacle == "excluded" else item.obstacle_text
        name = names[pair[1]].name
        texts.append(f"{item.reason}; closest: {name} ({item.closest_score:.2f}), {obstacle}")
    return texts


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


def proposals_public(*, session: Session, rows: Sequence[Proposal]) -> list[ProposalPublic]:
    """Proposals with the people they name, in three queries whatever their number."""
    mentees = profiles.person_refs(session, Mentee, {p.mentee_id for p in rows if p.mentee_id})
    mentors = profiles.person_refs(
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
    mentees = profiles.person_refs(
        session, Mentee, {row.mentee_id for row in rows if row.mentee_id}
    )
    data = [
        UnmatchedPublic(
            mentee=mentees[row.mentee_id],  # type: ignore[index]
            reason_code=row.reason_code,
            reason=row.reason,
            waiting_bonus=row.waiting_bonus,
        )
        for row in rows
    ]
    return data, count
