"""A participant's own profile, reached with their personal token."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import SQLModel

from service.api.deps import PrincipalDep, SessionDep
from service.crud import mentees, mentors
from service.errors import Forbidden, responses
from service.models import (
    MenteePublic,
    MenteeSelfUpdate,
    MentorPublic,
    MentorSelfUpdate,
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
def read_me(session: SessionDep, principal: PrincipalDep) -> Me:
    """Your own profile (a coordinator sees only their role)."""
    return _me(session, principal)


_UPDATE_DOC = {
    "requestBody": {
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/MentorSelfUpdate"},
                        {"$ref": "#/components/schemas/MenteeSelfUpdate"},
                    ]
                }
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


@router.patch("", response_model=Me, responses=responses(401, 403, 409), openapi_extra=_UPDATE_DOC)
def update_me(
    payload: Annotated[dict[str, Any], Body()], session: SessionDep, principal: PrincipalDep
) -> Me:
    """Change some fields of your own profile (a mentor's or a mentee's fields)."""
    _participant(principal)
    if principal.mentor_id is not None:
        mentor = mentors.get(session=session, mentor_id=principal.mentor_id)
        mentors.update(session=session, mentor=mentor, data=_validate(MentorSelfUpdate, payload))
    elif principal.mentee_id is not None:
        mentee = mentees.get(session=session, mentee_id=principal.mentee_id)
        mentees.update(session=session, mentee=mentee, data=_validate(MenteeSelfUpdate, payload))
    return _me(session, principal)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=responses(401, 403))
def delete_me(session: SessionDep, principal: PrincipalDep) -> None:
    """Delete your own profile and every token that reaches it."""
    _participant(principal)
    if principal.mentor_id is not None:
        mentors.delete(
            session=session, mentor=mentors.get(session=session, mentor_id=principal.mentor_id)
        )
    elif principal.mentee_id is not None:
        mentees.delete(
            session=session, mentee=mentees.get(session=session, mentee_id=principal.mentee_id)
        )
