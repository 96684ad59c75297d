"""Self-registration, from the form to the match: confirm the address, then be approved.

An anonymous registration never says whether an address is known (no enumeration):
the caller always hears the same thing, and only the address's owner learns more,
by email. A new address makes a ``pending`` profile and a message with a link to
confirm it; an address already registered makes nothing, and its owner is told
(or, if they never confirmed it, sent a fresh link). Following the link confirms
the address; then the profile joins the cohort at once, or, with
``MENTORMATCH_VET_REGISTRATIONS`` (the default), once a coordinator approves it.
A pending profile is never in a match run, a suggestion or a manual pairing: they
take active mentors and waiting mentees only.
"""

import secrets
from datetime import datetime

from sqlmodel import Session, col, select

from service.crud import audit, exclusions, links, mentees, mentors, outbox, profiles
from service.crud.taxonomy import load_index
from service.errors import Conflict, NotFound
from service.models import (
    AccessLink,
    LinkPurpose,
    Mentee,
    MenteeCreate,
    MenteeStatus,
    Mentor,
    MentorCreate,
    MentorStatus,
)

RECEIVED = (
    "Thank you. We have sent an email to the address you gave: follow its link to confirm "
    "the address and finish registering. The link works for 48 hours."
)
_INVALID_LINK = "this link is not valid: it may have expired or been used already"

Person = Mentor | Mentee


def _role(person: Person) -> str:
    return "mentor" if isinstance(person, Mentor) else "mentee"


def _ids(person: Person) -> dict[str, int | None]:
    return {f"{_role(person)}_id": person.id}


def _send(session: Session, *, kind: str, person: Person, now: datetime) -> None:
    # Each request is its own event: a second registration attempt gets its own message.
    key = f"{kind}:{_role(person)}:{person.id}:{secrets.token_hex(8)}"
    payload = {"email": person.email} if kind == "verify_email" else {}
    outbox.enqueue(
        session,
        kind=kind,
        key=key,
        role=_role(person),
        payload=payload,
        at=now,
        **_ids(person),
    )


def _tell_owner(session: Session, *, person: Person, now: datetime) -> None:
    if person.email_verified_at is None:
        _send(session, kind="verify_email", person=person, now=now)
    else:
        _send(session, kind="already_registered", person=person, now=now)


def _check(session: Session, data: MentorCreate | MenteeCreate) -> None:
    # A known address is refused for the same bad input as a new one: answers never differ.
    module = mentors if isinstance(data, MentorCreate) else mentees
    index = load_index(session=session)
    profiles.raise_if_any(module.problems(index=index, values=data.model_dump(), current={}))


def register(
    *,
    session: Session,
    data: MentorCreate | MenteeCreate,
    now: datetime,
    consent_at: datetime | None = None,
) -> None:
    """An anonymous registration: a pending profile and a link, or a word to the owner.

    Bad input is refused as usual (422), whether the address is known or not.
    ``consent_at`` is when the person agreed to the privacy notice (the web form).
    """
    known: Person | None
    if isinstance(data, MentorCreate):
        known = session.exec(select(Mentor).where(col(Mentor.email) == data.email)).first()
    else:
        known = session.exec(select(Mentee).where(col(Mentee.email) == data.email)).first()
    if known is not None:
        _check(session, data)
        _tell_owner(session, person=known, now=now)
        return
    person: Person
    if isinstance(data, MentorCreate):
        person = mentors.create(session=session, data=data, self_registered=True)
    else:
        person = mentees.create(session=session, data=data, self_registered=True)
    if consent_at is not None:
        person.consent_at = consent_at
        session.add(person)
    _send(session, kind="verify_email", person=person, now=now)


def _person_of(session: Session, mentor_id: int | None, mentee_id: int | None) -> Person | None:
    person: Person | None = None
    if mentor_id is not None:
        person = session.get(Mentor, mentor_id)
    elif mentee_id is not None:
        person = session.get(Mentee, mentee_id)
    if person is None or person.erased_at is not None:
        return None
    return person


def _join_cohort(session: Session, person: Person, *, action: str) -> None:
    before = person.status
    person.status = MentorStatus.active if isinstance(person, Mentor) else MenteeStatus.waiting
    session.add(person)
    session.flush()
    role = _role(person)
    audit.record(
        session,
        action=f"{role}.{action}",
        subject_type=role,
        subject_id=person.id,
        details={"from": str(before), "to": str(person.status)},
    )


def _pending(person: Person) -> bool:
    return person.status in (MentorStatus.pending, MenteeStatus.pending)


def _live_link(session: Session, *, token: str, now: datetime) -> tuple[AccessLink, Person]:
    link = links.find(session, token=token, purpose=LinkPurpose.verify_email, now=now)
    person = _person_of(session, link.mentor_id, link.mentee_id)
    # A link confirms the address it was sent to, not one the profile took since.
    if person is None or person.email != link.email:
        raise NotFound(_INVALID_LINK)
    return link, person


def link_holder(*, session: Session, token: str, now: datetime) -> Person:
    """Whose address a live verification link confirms; 404 alike for every bad link."""
    return _live_link(session, token=token, now=now)[1]


def verify(*, session: Session, token: str, now: datetime, vetting: bool) -> Person:
    """Confirm the address a verification link was sent to; the link is spent.

    Without vetting, a pending profile then joins the cohort; with it, it waits on.
    """
    link, person = _live_link(session, token=token, now=now)
    links.use(session, link=link, now=now)
    role = _role(person)
    if person.email_verified_at is None:
        person.email_verified_at = now
        session.add(person)
        session.flush()
        audit.record(
            session, action=f"{role}.email_verified", subject_type=role, subject_id=person.id
        )
        if isinstance(person, Mentor):
            exclusions.resolve_pending(session=session, mentor=person)
        else:
            exclusions.resolve_pending(session=session, mentee=person)
    if _pending(person) and not vetting:
        _join_cohort(session, person, action="activated")
    return person


def approve(*, session: Session, person: Person) -> Person:
    """A coordinator lets a pending (self-registered) profile into the cohort."""
    role = _role(person)
    if not _pending(person):
        raise Conflict(f"{role} {person.id} is {person.status}, not waiting for approval")
    if person.email_verified_at is None:
        raise Conflict(
            f"{role} {person.id} has not confirmed their email address yet; "
            "approve them once they have"
        )
    _join_cohort(session, person, action="approved")
    return person


def send_sign_in(*, session: Session, email: str, now: datetime) -> None:
    """Queue a sign-in link to each confirmed profile with this address; nothing otherwise.

    The caller is told the same either way, so the answer reveals no address.
    """
    address = email.strip().lower()
    people: list[Person] = [
        *session.exec(
            select(Mentor).where(
                col(Mentor.email) == address,
                col(Mentor.email_verified_at).is_not(None),
                col(Mentor.erased_at).is_(None),
            )
        ),
        *session.exec(
            select(Mentee).where(
                col(Mentee.email) == address,
                col(Mentee.email_verified_at).is_not(None),
                col(Mentee.erased_at).is_(None),
            )
        ),
    ]
    for person in people:
        _send(session, kind="sign_in", person=person, now=now)


def _sign_in_link(session: Session, *, token: str, now: datetime) -> tuple[AccessLink, Person]:
    link = links.find(session, token=token, purpose=LinkPurpose.sign_in, now=now)
    person = _person_of(session, link.mentor_id, link.mentee_id)
    if person is None:
        raise NotFound(_INVALID_LINK)
    return link, person


def sign_in_holder(*, session: Session, token: str, now: datetime) -> Person:
    """Whom a live sign-in link signs in; 404 alike for every bad link."""
    return _sign_in_link(session, token=token, now=now)[1]


def use_sign_in(*, session: Session, token: str, now: datetime) -> Person:
    """Spend a sign-in link (single use); whom it signs in."""
    link, person = _sign_in_link(session, token=token, now=now)
    links.use(session, link=link, now=now)
    role = _role(person)
    audit.record(session, action=f"{role}.signed_in", subject_type=role, subject_id=person.id)
    return person
