"""A real SMTP server in the test process, a clock the tests move, and the worker's passes."""

import email
import email.policy
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Connection
from sqlmodel import Session

from service.clock import MovableClock
from service.config import Settings
from service.notifications.transports import make_transport
from service.worker import Pass, run_once
from tests.servers import free_port

TEAM = "programme.team@example.org"
PUBLIC_URL = "https://mentoring.example.org"


@dataclass
class Mailbox:
    """What the SMTP server received; ``refuse_with`` makes it answer every mail so."""

    port: int = 0
    received: list[EmailMessage] = field(default_factory=list)
    refuse_with: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse_with is not None:
            return self.refuse_with
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]

    def take(self) -> list[EmailMessage]:
        taken, self.received = self.received, []
        return taken


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link_in(message: EmailMessage, path: str) -> str:
    """The token of the link to ``path`` in a message."""
    found = re.search(re.escape(f"{PUBLIC_URL}/{path}/") + r"(\S+)", text_of(message))
    assert found, text_of(message)
    return found.group(1)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mail_settings(settings: Settings, mailbox: Mailbox) -> Settings:
    return settings.model_copy(
        update={
            "mail_transport": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": mailbox.port,
            "smtp_security": "none",
            "mail_from": "mentormatch <noreply@example.org>",
            "coordinator_emails": [TEAM],
            "public_url": PUBLIC_URL,
            # The digest has a test of its own; elsewhere it would depend on the hour.
            "digest": "off",
        }
    )


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def work(
    connection: Connection, session: Session, mail_settings: Settings, clock: MovableClock
) -> Callable[..., Pass]:
    """Run one worker pass, in the test's transaction, on the test's clock."""

    def sessions() -> Session:
        return Session(bind=connection, join_transaction_mode="create_savepoint")

    def one_pass(**overrides: Any) -> Pass:
        session.commit()  # what the test did so far, to its savepoint
        settings = mail_settings.model_copy(update=overrides)
        done = run_once(
            sessions=sessions, settings=settings, clock=clock, transport=make_transport(settings)
        )
        session.expire_all()
        return done

    return one_pass
