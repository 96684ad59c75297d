"""A participant's own profile, reached with their personal token."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import SQLModel

from service.api import preconditions
from service.api.deps import PrincipalDep, ResourceId, SessionDep
from service.api.openapi import component_ref
from service.crud import exclusions, mentees, mentors, pairings, privacy
from service.errors import Forbidden, responses
from service.models import (
    ConflictDeclaration,
    FitFeedback,
    Mentee,
    MenteePublic,
    MenteeSelfUpdate,
    Mentor,
    MentorPublic,
    MentorSelfUpdate,
    MyPairing,
    Pairing,
    Partner,
    PersonalDataExport,
    Role,
)
from service.security import Principal

router = APIRouter(prefix="/me", tags=["me"])


class Me(SQLModel):
    role: Role
    mentor: MentorPublic | None = None
    mentee: MenteePublic | None = None


def _participant(principal: Principal) -> None:
    if principal.is_coordinator:
        raise Forbidden("a coordinator has no profile; use /mentors and /mentees")


def _me(session: SessionDep, principal: Principal) -> Me:
    if principal.mentor_id is not None:
        mentor = mentors.get(session=session, mentor_id=principal.mentor_id)
        return Me(role=principal.role, mentor=mentors.to_public(mentor))
    if principal.mentee_id is not None:
        mentee = mentees.get(session=session, mentee_id=principal.mentee_id)
        return Me(role=principal.role, mentee=mentees.to_public(mentee))
    return Me(role=principal.role)


@router.get("", response_model=Me, responses=responses(401))
def read_me(session: SessionDep, principal: PrincipalDep, response: Response) -> Me:
    """Your own profile (a coordinator sees only their role), with its ETag."""
    return preconditions.tagged(response, _me(session, principal))


# The body is read raw and validated against the caller's own model; the document names
# both (``service.main`` adds them to the components). ``anyOf``, not ``oneOf``: a body
# with only the shared fields is valid for both.
SELF_UPDATE_MODELS = (MentorSelfUpdate, MenteeSelfUpdate)
_UPDATE_DOC = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {"anyOf": [component_ref(model) for model in SELF_UPDATE_MODELS]}
            }
        },
        "required": True,
    }
}


def _validate(schema: type[SQLModel], payload: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(payload)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc


@router.patch(
    "",
    response_model=Me,
    responses={**responses(400, 401, 403, 409, 413), **preconditions.RESPONSES},
    openapi_extra=_UPDATE_DOC,
)
def update_me(
    payload: Annotated[dict[str, Any], Body()],
    session: SessionDep,
    principal: PrincipalDep,
    response: Response,
    if_match: preconditions.IfMatch = None,
) -> Me:
    """Change some fields of your own profile (a mentor's or a mentee's fields)."""
    _participant(principal)
    # A malformed body is a 422 whatever If-Match says (RFC 9110 13.2.1: preconditions
    # apply only to a request that would otherwise succeed).
    mentor_data = _validate(MentorSelfUpdate, payload) if principal.mentor_id else None
    mentee_data = _validate(MenteeSelfUpdate, payload) if principal.mentee_id else None
    preconditions.hold(
        session=session,
        if_match=if_match,
        mentor_id=principal.mentor_id,
        mentee_id=principal.mentee_id,
    )
    preconditions.check(if_match, _me(session, principal))
    if principal.mentor_id is not None and mentor_data is not None:
        mentor = mentors.get(session=session, mentor_id=principal.mentor_id)
        mentors.update(session=session, mentor=mentor, data=mentor_data)
    elif principal.mentee_id is not None and mentee_data is not None:
        mentee = mentees.get(session=session, mentee_id=principal.mentee_id)
        mentees.update(session=session, mentee=mentee, data=mentee_data)
    return preconditions.tagged(response, _me(session, principal))


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 403))
def delete_me(session: SessionDep, principal: PrincipalDep) -> None:
    """Erase your data: name, email, organisation, free text, tokens; history stays anonymous."""
    _participant(principal)
    if principal.mentor_id is not None:
        mentor = mentors.get(session=session, mentor_id=principal.mentor_id)
        privacy.erase_mentor(session=session, mentor=mentor)
    elif principal.mentee_id is not None:
        mentee = mentees.get(session=session, mentee_id=principal.mentee_id)
        privacy.erase_mentee(session=session, mentee=mentee)


@router.get("/export", response_model=PersonalDataExport, responses=responses(401, 403))
def export_me(session: SessionDep, principal: PrincipalDep) -> PersonalDataExport:
    """Everything held about you: profile, pairings, proposals, exclusions you declared."""
    _participant(principal)
    return privacy.export(session=session, principal=principal)


def _my_pairing(session: SessionDep, principal: Principal, pairing: Pairing) -> MyPairing:
    if principal.mentee_id is not None:
        partner: Mentor | Mentee | None = session.get(Mentor, pairing.mentor_id)
    else:
        partner = session.get(Mentee, pairing.mentee_id)
    assert partner is not None
    assert partner.id is not None
    return MyPairing.model_validate(
        pairing,
        update={
            "partner": Partner(
                id=partner.id,
                name=partner.name,
                email=partner.email,
                organisation=partner.organisation,
            )
        },
    )


@router.get("/pairings", response_model=list[MyPairing], responses=responses(401, 403))
def list_my_pairings(session: SessionDep, principal: PrincipalDep) -> list[MyPairing]:
    """Your pairings, newest first, with your partner's contact details."""
    _participant(principal)
    return [
        _my_pairing(session, principal, pairing)
        for pairing in pairings.list_for(session=session, principal=principal)
    ]


@router.post(
    "/pairings/{pairing_id}/fit",
    response_model=MyPairing,
    responses=responses(400, 401, 403, 404, 409, 413),
)
def record_my_fit(
    pairing_id: ResourceId, data: FitFeedback, session: SessionDep, principal: PrincipalDep
) -> MyPairing:
    """Say how your pairing fits: good fit, still deciding, or not a fit."""
    _participant(principal)
    pairing = pairings.record_fit(
        session=session, principal=principal, pairing_id=pairing_id, fit=data.fit
    )
    return _my_pairing(session, principal, pairing)


class Recorded(SQLModel):
    detail: str


@router.post(
    "/conflicts",
    response_model=Recorded,
    status_code=status.HTTP_201_CREATED,
    responses=responses(400, 401, 403, 413),
)
def declare_conflict(
    data: ConflictDeclaration, session: SessionDep, principal: PrincipalDep
) -> Recorded:
    """Never be paired with the person with this email, whether or not they are registered."""
    _participant(principal)
    exclusions.declare(session=session, principal=principal, data=data)
    return Recorded(detail="recorded; you will not be paired with this person")
