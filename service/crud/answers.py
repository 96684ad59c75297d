"""Answers given through links in messages, without signing in: check-ins and end surveys."""

from datetime import datetime

from sqlmodel import Session, col, select

from service.crud import audit, links, pairings
from service.errors import Conflict, NotFound
from service.models import (
    AccessLink,
    CheckinAnswer,
    Fit,
    LinkPurpose,
    Outcome,
    Pairing,
    SurveyAnswer,
)


def _role(link: AccessLink) -> str:
    return "mentee" if link.mentee_id is not None else "mentor"


def _pairing(session: Session, link: AccessLink) -> Pairing:
    pairing = session.get(Pairing, link.pairing_id) if link.pairing_id is not None else None
    if pairing is None:
        raise NotFound("this link is not valid: it may have expired or been used already")
    return pairing


def checkin(session: Session, *, token: str, fit: Fit, rating: int, now: datetime) -> CheckinAnswer:
    """Record how a pairing is going, as its person says through their check-in link."""
    link = links.find(session, token=token, purpose=LinkPurpose.checkin, now=now)
    pairing = _pairing(session, link)
    role = _role(link)
    audit.act_as(session, audit.Actor(role=role, id=link.mentee_id or link.mentor_id))
    pairings.set_fit(session=session, pairing=pairing, role=role, fit=fit)
    answer = CheckinAnswer(
        pairing_id=pairing.id, role=role, fit=fit.value, rating=rating, answered_at=now
    )
    session.add(answer)
    session.flush()
    return answer


def survey(
    session: Session,
    *,
    token: str,
    outcome: Outcome,
    rating: int,
    would_take_part_again: bool,
    now: datetime,
) -> SurveyAnswer:
    """Record (or change) one person's end-of-pairing survey."""
    link = links.find(session, token=token, purpose=LinkPurpose.survey, now=now)
    pairing = _pairing(session, link)
    if pairing.status == "active":
        raise Conflict("this pairing has not ended yet")
    role = _role(link)
    audit.act_as(session, audit.Actor(role=role, id=link.mentee_id or link.mentor_id))
    answer = session.exec(
        select(SurveyAnswer).where(
            col(SurveyAnswer.pairing_id) == pairing.id, col(SurveyAnswer.role) == role
        )
    ).first() or SurveyAnswer(
        pairing_id=pairing.id,
        role=role,
        outcome=outcome,
        rating=rating,
        would_take_part_again=would_take_part_again,
    )
    answer.outcome = outcome
    answer.rating = rating
    answer.would_take_part_again = would_take_part_again
    answer.answered_at = now
    session.add(answer)
    session.flush()
    audit.record(
        session,
        action="pairing.survey_answered",
        subject_type="pairing",
        subject_id=pairing.id,
        details={"by": role},
    )
    return answer
