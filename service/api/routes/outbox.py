"""The outbox, for coordinators: what was sent, what waits, and what failed for good."""

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import CoordinatorDep, Limit, Offset, ResourceId, SessionDep
from service.crud import outbox
from service.errors import responses
from service.models import MessageStatus, OutboxMessagePublic, OutboxMessagesPublic

router = APIRouter(prefix="/outbox-messages", tags=["notifications"])


@router.get("", response_model=OutboxMessagesPublic, responses=responses(401, 403))
def list_messages(
    session: SessionDep,
    _: CoordinatorDep,
    status: MessageStatus | None = None,
    kind: Annotated[str | None, Query(max_length=48)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OutboxMessagesPublic:
    """Messages newest first, by status (dead: failed for good) and kind; never their content."""
    data, count = outbox.list_page(
        session=session, status=status, kind=kind, limit=limit, offset=offset
    )
    return OutboxMessagesPublic(data=data, count=count)


@router.post(
    "/{message_id}/retry",
    response_model=OutboxMessagePublic,
    responses=responses(401, 403, 404, 409),
)
def retry_message(
    message_id: ResourceId, session: SessionDep, _: CoordinatorDep
) -> OutboxMessagePublic:
    """Queue a dead message again, once what made it fail is fixed."""
    return OutboxMessagePublic.model_validate(outbox.retry(session=session, message_id=message_id))
