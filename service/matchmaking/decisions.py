"""Decisions on a run's proposals: accept (becoming pairings) or reject (excluding the pair)."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from service.crud import pairings
from service.crud.exclusions import exclude_pair
from service.errors import Conflict, FieldError, InvalidInput, NotFound
from service.matchmaking.runs import proposals_public
from service.models import (
    ExclusionReason,
    MatchRun,
    Proposal,
    ProposalPublic,
    ProposalStatus,
    utcnow,
)


def lock_run(*, session: Session, run_id: int) -> MatchRun:
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
    lock_run(session=session, run_id=run_id)
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
    lock_run(session=session, run_id=run_id)
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
