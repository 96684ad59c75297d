"""A participant's right of access (export) and to erasure.

Erasure keeps the row, so that pairing and run history and the programme's
statistics stay right, but removes everything that identifies the person: name,
email, organisation, free text (their own, and notes written about their
pairs), exclusions naming them, and their tokens. Active pairings end early and
the partner mentee goes back to waiting.
"""

from typing import Any

from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, col, select

from service.crud import audit, mentees, mentors, outbox, pairings
from service.models import (
    AccessLink,
    ApiToken,
    Exclusion,
    Mentee,
    MenteePublic,
    MenteeStatus,
    Mentor,
    MentorPublic,
    MentorStatus,
    OwnConflict,
    OwnProposal,
    Pairing,
    PairingEnd,
    PairingFields,
    PairingStatus,
    PersonalDataExport,
    Proposal,
    Role,
    utcnow,
)
from service.security import Principal


def erase_mentor(*, session: Session, mentor: Mentor) -> None:
    assert mentor.id is not None
    _end_pairings(session=session, condition=col(Pairing.mentor_id) == mentor.id)
    _forget(
        session=session,
        exclusions=or_(
            col(Exclusion.mentor_id) == mentor.id, col(Exclusion.mentor_email) == mentor.email
        ),
        proposals=or_(
            col(Proposal.mentor_id) == mentor.id, col(Proposal.runner_up_mentor_id) == mentor.id
        ),
        pairings=col(Pairing.mentor_id) == mentor.id,
        tokens=col(ApiToken.mentor_id) == mentor.id,
        links=col(AccessLink.mentor_id) == mentor.id,
    )
    outbox.forget_person(session, mentor_id=mentor.id)
    mentor.name = f"Erased mentor {mentor.id}"
    mentor.email = f"erased-mentor-{mentor.id}@erased.invalid"
    mentor.organisation = ""
    mentor.job_title = ""
    mentor.status = MentorStatus.withdrawn
    mentor.erased_at = mentor.updated_at = utcnow()
    session.add(mentor)
    audit.record(session, action="mentor.erased", subject_type="mentor", subject_id=mentor.id)
    session.flush()


def erase_mentee(*, session: Session, mentee: Mentee) -> None:
    assert mentee.id is not None
    _end_pairings(session=session, condition=col(Pairing.mentee_id) == mentee.id)
    _forget(
        session=session,
        exclusions=or_(
            col(Exclusion.mentee_id) == mentee.id, col(Exclusion.mentee_email) == mentee.email
        ),
        proposals=col(Proposal.mentee_id) == mentee.id,
        pairings=col(Pairing.mentee_id) == mentee.id,
        tokens=col(ApiToken.mentee_id) == mentee.id,
        links=col(AccessLink.mentee_id) == mentee.id,
    )
    outbox.forget_person(session, mentee_id=mentee.id)
    mentee.name = f"Erased mentee {mentee.id}"
    mentee.email = f"erased-mentee-{mentee.id}@erased.invalid"
    mentee.organisation = ""
    mentee.goals = ""
    mentee.status = MenteeStatus.withdrawn
    mentee.erased_at = mentee.updated_at = utcnow()
    session.add(mentee)
    audit.record(session, action="mentee.erased", subject_type="mentee", subject_id=mentee.id)
    session.flush()


def _end_pairings(*, session: Session, condition: Any) -> None:
    active = session.exec(
        select(Pairing).where(condition, col(Pairing.status) == PairingStatus.active)
    ).all()
    for pairing in active:
        pairings.end(
            session=session,
            pairing=pairing,
            data=PairingEnd(status=PairingStatus.ended_early, reason=""),
        )


def _forget(
    *,
    session: Session,
    exclusions: Any,
    proposals: Any,
    pairings: Any,
    tokens: Any,
    links: Any,
) -> None:
    session.execute(delete(Exclusion).where(exclusions))
    session.execute(update(Proposal).where(proposals).values(decision_note=""))
    session.execute(update(Pairing).where(pairings).values(end_reason=""))
    session.execute(delete(ApiToken).where(tokens))
    session.execute(delete(AccessLink).where(links))


def export(*, session: Session, principal: Principal) -> PersonalDataExport:
    """Everything the service holds about a participant, as one document."""
    profile: MentorPublic | MenteePublic
    if principal.mentor_id is not None:
        mentor = mentors.get(session=session, mentor_id=principal.mentor_id)
        profile = mentors.to_public(mentor)
        own_pairings = col(Pairing.mentor_id) == principal.mentor_id
        declared = and_(
            col(Exclusion.mentor_id) == principal.mentor_id,
            col(Exclusion.declared_by) == Role.mentor,
        )
        proposed = col(Proposal.mentor_id) == principal.mentor_id
    else:
        assert principal.mentee_id is not None
        mentee = mentees.get(session=session, mentee_id=principal.mentee_id)
        profile = mentees.to_public(mentee)
        own_pairings = col(Pairing.mentee_id) == principal.mentee_id
        declared = and_(
            col(Exclusion.mentee_id) == principal.mentee_id,
            col(Exclusion.declared_by) == Role.mentee,
        )
        proposed = col(Proposal.mentee_id) == principal.mentee_id
    return PersonalDataExport(
        exported_at=utcnow(),
        role=principal.role,
        profile=profile,
        pairings=[
            PairingFields.model_validate(pairing)
            for pairing in session.exec(select(Pairing).where(own_pairings))
        ],
        proposals=[
            OwnProposal.model_validate(proposal)
            for proposal in session.exec(select(Proposal).where(proposed))
        ],
        # Only their own declarations: what others said about them is not theirs to read.
        conflicts_declared=[
            OwnConflict.model_validate(exclusion)
            for exclusion in session.exec(select(Exclusion).where(declared))
        ],
    )
