"""Decisions on a run's proposals: accept (becoming pairings) or reject (excluding the pair).

Decisions on one run take turns (a row lock on the run), so each sees the last
one's. Accepting is all-or-none by default; the "possible" mode accepts every
proposal that can still be paired, best score first, and says why it skipped
the others.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from service.crud import audit, pairings, profiles
from service.crud.exclusions import exclude_pair
from service.errors import Conflict, FieldError, InvalidInput, NotFound
from service.matchmaking.runs import proposals_public
from service.models import (
    AcceptMode,
    AcceptResult,
    ExclusionReason,
    MatchRun,
    Mentee,
    Mentor,
    Proposal,
    ProposalPublic,
    ProposalStatus,
    SkippedProposal,
    utcnow,
)


def lock_run(*, session: Session, run_id: int) -> MatchRun:
    """Take the run's turn for decisions (a PostgreSQL row lock); 404 if there is no such run."""
    run = session.exec(
        select(MatchRun).where(col(MatchRun.id) == run_id).with_for_update(key_share=True)
    ).first()
    if run is None:
        raise NotFound(f"no match run with id {run_id}")
    return run


@dataclass(frozen=True)
class Named:
    """A proposal id as the caller named it, and how to name it back in an error."""

    proposal_id: int
    field: str


def _candidate(proposal: Proposal, field: str) -> pairings.Candidate:
    assert proposal.mentee_id is not None
    assert proposal.mentor_id is not None
    return pairings.Candidate(
        mentee_id=proposal.mentee_id,
        mentor_id=proposal.mentor_id,
        field=field,
        proposal_id=proposal.id,
    )


def _mark_accepted(session: Session, proposals: Sequence[Proposal]) -> None:
    now = utcnow()
    for proposal in proposals:
        proposal.status = ProposalStatus.accepted
        proposal.decided_at = now
        session.add(proposal)
    session.flush()
    audit.record_many(
        session,
        action="proposal.accepted",
        subject_type="proposal",
        events=[(p.id, {"match_run_id": p.match_run_id}) for p in proposals],
    )


def accept_named(
    *, session: Session, run_id: int, named: Sequence[Named], open_ones: dict[int, Proposal]
) -> list[Proposal]:
    """Accept every named proposal, or none (409 naming each one that cannot be)."""
    errors: list[FieldError] = []
    candidates: list[pairings.Candidate] = []
    for item in named:
        proposal = open_ones.get(item.proposal_id)
        if proposal is None:
            existing = session.get(Proposal, item.proposal_id)
            message = (
                f"run {run_id} has no proposal {item.proposal_id}"
                if existing is None or existing.match_run_id != run_id
                else f"proposal {item.proposal_id} is already {existing.status}"
            )
            errors.append(FieldError(field=item.field, message=message))
        else:
            candidates.append(_candidate(proposal, item.field))
    pairings.create_many(
        session=session, candidates=candidates, known_problems=errors, asked_for=len(named)
    )
    accepted = [open_ones[c.proposal_id] for c in candidates if c.proposal_id is not None]
    _mark_accepted(session, accepted)
    return accepted


def _open_proposals(
    session: Session, run_id: int, ids: Sequence[int] | None
) -> dict[int, Proposal]:
    query = select(Proposal).where(
        col(Proposal.match_run_id) == run_id, col(Proposal.status) == ProposalStatus.proposed
    )
    if ids is not None:
        query = query.where(col(Proposal.id).in_(ids))
    return {p.id: p for p in session.exec(query.order_by(col(Proposal.id))) if p.id is not None}


def _accept_possible(
    session: Session, proposals: Sequence[Proposal]
) -> tuple[list[Proposal], list[SkippedProposal]]:
    # The best proposals first: when two compete for the last place, the better one wins.
    ranked = sorted(proposals, key=lambda p: (-p.score, p.id or 0))
    candidates = [_candidate(p, f"proposal {p.id}") for p in ranked]
    found = pairings.problems(session=session, candidates=candidates)
    chosen = [c for c, problem in zip(candidates, found, strict=True) if problem is None]
    pairings.insert(session=session, candidates=chosen)
    accepted = [p for p, problem in zip(ranked, found, strict=True) if problem is None]
    _mark_accepted(session, accepted)
    refused = [(p, problem) for p, problem in zip(ranked, found, strict=True) if problem]
    mentees = profiles.person_refs(
        session, Mentee, {p.mentee_id for p, _ in refused if p.mentee_id}
    )
    mentors = profiles.person_refs(
        session, Mentor, {p.mentor_id for p, _ in refused if p.mentor_id}
    )
    skipped = [
        SkippedProposal(
            proposal_id=p.id or 0,
            mentee=mentees.get(p.mentee_id or 0),
            mentor=mentors.get(p.mentor_id or 0),
            reason=problem,
        )
        for p, problem in sorted(refused, key=lambda item: item[0].id or 0)
    ]
    return sorted(accepted, key=lambda p: p.id or 0), skipped


def accept(
    *,
    session: Session,
    run_id: int,
    proposal_ids: Sequence[int] | None,
    mode: AcceptMode = AcceptMode.all_or_none,
) -> AcceptResult:
    """Accept the named proposals (or every open one), all or none, or as many as possible."""
    lock_run(session=session, run_id=run_id)
    if proposal_ids is not None:
        duplicates = sorted({i for i in proposal_ids if proposal_ids.count(i) > 1})
        if duplicates:
            raise InvalidInput.for_fields(
                [FieldError(field="proposal_ids", message=f"repeated: {duplicates}")]
            )
    open_ones = _open_proposals(session, run_id, proposal_ids)
    skipped: list[SkippedProposal] = []
    if mode is AcceptMode.possible:
        accepted, skipped = _accept_possible(session, list(open_ones.values()))
        if proposal_ids is not None:
            skipped += _not_open(session, run_id, [i for i in proposal_ids if i not in open_ones])
    else:
        named = (
            [Named(i, f"proposal {i}") for i in open_ones]
            if proposal_ids is None
            else [Named(i, f"proposal_ids[{n}]") for n, i in enumerate(proposal_ids)]
        )
        accepted = accept_named(session=session, run_id=run_id, named=named, open_ones=open_ones)
    data = proposals_public(session=session, rows=accepted)
    return AcceptResult(data=data, count=len(data), skipped=skipped)


def _not_open(session: Session, run_id: int, ids: Sequence[int]) -> list[SkippedProposal]:
    found = {
        p.id: p
        for p in session.exec(
            select(Proposal).where(col(Proposal.match_run_id) == run_id, col(Proposal.id).in_(ids))
        )
    }
    return [
        SkippedProposal(
            proposal_id=i,
            mentee=None,
            mentor=None,
            reason=f"already {found[i].status}"
            if i in found
            else f"run {run_id} has no proposal {i}",
        )
        for i in ids
    ]


def reject_proposal(*, session: Session, proposal: Proposal, reason: str) -> None:
    """Reject an open proposal; its pair is excluded from every later run."""
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
    audit.record(
        session,
        action="proposal.rejected",
        subject_type="proposal",
        subject_id=proposal.id,
        details={"match_run_id": proposal.match_run_id},
    )


def reject(*, session: Session, run_id: int, proposal_id: int, reason: str) -> ProposalPublic:
    lock_run(session=session, run_id=run_id)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or proposal.match_run_id != run_id:
        raise NotFound(f"run {run_id} has no proposal {proposal_id}")
    if proposal.status != ProposalStatus.proposed:
        raise Conflict(f"proposal {proposal_id} is already {proposal.status}")
    reject_proposal(session=session, proposal=proposal, reason=reason)
    (public,) = proposals_public(session=session, rows=[proposal])
    return public
