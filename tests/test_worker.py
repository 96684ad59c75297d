"""Worker processes against a real SMTP server: killed mid-delivery, and two at once.

``mentormatch worker`` runs as a subprocess on a scratch database full of queued
introductions. Killed with SIGKILL while the SMTP server is receiving one of its
messages, and started again, it sends every message exactly once (the interrupted
one after its lease runs out). Two workers on one PostgreSQL database never send
the same message.
"""

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from service.crud import audit, mentees, mentors, pairings
from service.db import make_engine
from service.migrate import upgrade_url
from service.models import MenteeCreate, MentorCreate, MessageStatus, OutboxMessage
from tests.factories import mentee_payload, mentor_payload
from tests.postgres import reachable_server, scratch_database
from tests.servers import free_port, mentormatch_program
from tests.service.notifications.conftest import Mailbox

DEADLINE = 60.0


class SlowMailbox(Mailbox):
    """Takes ``delay`` seconds per message and says when one is being received."""

    def __init__(self, delay: float) -> None:
        super().__init__(port=free_port())
        self.delay = delay
        self.receiving = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        import asyncio

        self.receiving.set()
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


def queue_introductions(url: str, pairs: int) -> None:
    """``pairs`` pairings made by hand: two introductions each, in the outbox."""
    upgrade_url(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            audit.act_as(session, audit.SYSTEM)
            candidates = []
            for _ in range(pairs):
                mentor = mentors.create(
                    session=session, data=MentorCreate.model_validate(mentor_payload(capacity=1))
                )
                mentee = mentees.create(
                    session=session, data=MenteeCreate.model_validate(mentee_payload())
                )
                assert mentor.id is not None
                assert mentee.id is not None
                candidates.append(
                    pairings.Candidate(mentee_id=mentee.id, mentor_id=mentor.id, field="test")
                )
            pairings.create_many(session=session, candidates=candidates)
            session.commit()
    finally:
        engine.dispose()


def start_worker(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MENTORMATCH_DATABASE_URL": url,
        "MENTORMATCH_MAIL_TRANSPORT": "smtp",
        "MENTORMATCH_SMTP_HOST": "127.0.0.1",
        "MENTORMATCH_SMTP_PORT": str(port),
        "MENTORMATCH_SMTP_SECURITY": "none",
        "MENTORMATCH_WORKER_INTERVAL_SECONDS": "0.2",
        "MENTORMATCH_DELIVERY_LEASE_SECONDS": "2",
        "MENTORMATCH_DIGEST": "off",
    }
    with log.open("ab") as output:
        return subprocess.Popen(
            [mentormatch_program(), "worker"],
            cwd=log.parent,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def sent_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return int(
                session.exec(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status == MessageStatus.sent)
                ).one()
            )
    finally:
        engine.dispose()


def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'worker.db'}"
        return
    with scratch_database(reachable_server(), "mentormatch_worker") as url:
        yield url.render_as_string(hide_password=False)


def serve_mail(box: Mailbox) -> Any:
    from aiosmtpd.controller import Controller

    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    return controller


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_sends_every_message_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    queue_introductions(database_url, pairs=6)
    box = SlowMailbox(delay=0.3)
    controller = serve_mail(box)
    try:
        first = start_worker(database_url, box.port, tmp_path / "worker.log")
        try:
            wait_for(lambda: len(box.received) >= 3, "the first messages")
            box.receiving.clear()
            wait_for(box.receiving.is_set, "a message being received")
            os.killpg(first.pid, signal.SIGKILL)
        finally:
            first.wait(timeout=10)
        interrupted_at = len(box.received)
        assert interrupted_at < 12
        second = start_worker(database_url, box.port, tmp_path / "worker.log")
        try:
            wait_for(lambda: sent_count(database_url) == 12, "every message sent")
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        controller.stop()
    ids = Counter(message["Message-ID"] for message in box.received)
    assert len(ids) == 12
    assert set(ids.values()) == {1}, (tmp_path / "worker.log").read_text()


@pytest.mark.slow
def test_two_workers_on_postgresql_never_send_the_same_message(tmp_path: Path) -> None:
    with scratch_database(reachable_server(), "mentormatch_workers") as url:
        database = url.render_as_string(hide_password=False)
        queue_introductions(database, pairs=60)
        box = SlowMailbox(delay=0.05)
        controller = serve_mail(box)
        try:
            workers = [
                start_worker(database, box.port, tmp_path / f"worker{n}.log") for n in (1, 2)
            ]
            try:
                wait_for(lambda: sent_count(database) == 120, "every message sent")
            finally:
                for worker in workers:
                    os.killpg(worker.pid, signal.SIGTERM)
                for worker in workers:
                    assert worker.wait(timeout=30) == 0
        finally:
            controller.stop()
    ids = Counter(message["Message-ID"] for message in box.received)
    assert len(ids) == 120
    assert max(ids.values()) == 1
    logs = [(tmp_path / f"worker{n}.log").read_text() for n in (1, 2)]
    assert all("worker pass" in log for log in logs), "both workers sent some"
