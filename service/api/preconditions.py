"""Conditional edits of profiles: an ``ETag`` on every read and edit, ``If-Match`` on edits.

The tag is a hash of the representation the caller reads, so it changes whenever
anything they can see changes. An edit sent with ``If-Match`` whose tag is no longer
current is refused with 412, so that two coordinators cannot overwrite each other
unseen; an edit without ``If-Match`` goes through as before. The row is locked before
the comparison, so two edits that carry the same tag cannot both pass it.
"""

import hashlib
from typing import Annotated, Any, TypeVar

from fastapi import Header, Response
from pydantic import BaseModel
from sqlmodel import Session

from service.crud.pairings import lock_people
from service.errors import DomainError, problem_response

ModelT = TypeVar("ModelT", bound=BaseModel)


class PreconditionFailed(DomainError):
    status_code = 412
    code = "precondition_failed"


IfMatch = Annotated[
    str | None,
    Header(
        description="The ETag of the version you read: the edit is refused with 412 if the "
        "profile changed since. Without it, the edit applies to whatever is current."
    ),
]

RESPONSES: dict[int | str, dict[str, Any]] = {
    412: problem_response("If-Match named a version that is no longer current: read it again.")
}


def etag_of(representation: BaseModel) -> str:
    """A strong entity tag: a hash of exactly what the caller reads."""
    digest = hashlib.sha256(representation.model_dump_json().encode()).hexdigest()
    return f'"{digest[:32]}"'


def tagged(response: Response, representation: ModelT) -> ModelT:
    """Send ``representation`` with its ``ETag``."""
    response.headers["ETag"] = etag_of(representation)
    return representation


def hold(
    *,
    session: Session,
    if_match: str | None,
    mentor_id: int | None = None,
    mentee_id: int | None = None,
) -> None:
    """Lock the profile an ``If-Match`` edit is about, before its tag is compared."""
    if if_match is not None:
        lock_people(
            session=session,
            mentor_ids=[mentor_id] if mentor_id is not None else [],
            mentee_ids=[mentee_id] if mentee_id is not None else [],
        )


def check(if_match: str | None, current: BaseModel) -> None:
    """Refuse the edit when ``If-Match`` names no current version (strong comparison)."""
    if if_match is None:
        return
    tag = etag_of(current)
    # RFC 9110 13.1.1: a list of tags or "*"; weak tags (W/"...") never match.
    offered = [candidate.strip() for candidate in if_match.split(",")]
    if "*" in offered or tag in offered:
        return
    raise PreconditionFailed(
        f"the profile changed since the version you read (If-Match: {if_match.strip()[:80]}); "
        f"its current ETag is {tag}: read it again and make your change on that version"
    )
