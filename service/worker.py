"""The worker: runs the schedules and delivers the outbox, pass after pass.

``mentormatch worker`` runs it as its own process (several may run against
PostgreSQL); on the embedded SQLite default, ``serve`` runs one in a thread so
that messages go out with no set-up. A pass is: the schedules queue what is due,
then due messages are delivered. SIGTERM lets the current message finish.
"""

import logging
import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from service.clock import Clock, SystemClock
from service.config import Settings
from service.db import SessionFactory, begin_write, session_factory
from service.notifications import delivery, schedules
from service.notifications.transports import Transport, make_transport

logger = logging.getLogger("mentormatch.worker")


@dataclass
class Pass:
    queued: dict[str, int]
    delivered: delivery.Delivered


def run_once(
    *, sessions: SessionFactory, settings: Settings, clock: Clock, transport: Transport
) -> Pass:
    """One pass: queue what is due, then deliver what can be."""
    with sessions() as session:
        begin_write(session)
        queued = schedules.run(session=session, settings=settings, now=clock.now())
        session.commit()
    delivered = delivery.deliver_due(
        sessions=sessions, transport=transport, settings=settings, clock=clock
    )
    return Pass(queued=dict(queued.counts), delivered=delivered)


def run_forever(
    *,
    sessions: SessionFactory,
    settings: Settings,
    stop: threading.Event,
    clock: Clock | None = None,
    transport: Transport | None = None,
) -> None:
    """Pass after pass until ``stop`` is set; a failing pass is logged and the next one runs."""
    clock = clock or SystemClock()
    transport = transport or make_transport(settings)
    logger.info("worker started", extra={"transport": settings.mail_transport})
    while not stop.is_set():
        try:
            done = run_once(sessions=sessions, settings=settings, clock=clock, transport=transport)
        except Exception:
            # The database may be restarting; the next pass tries again.
            logger.exception("worker pass failed")
        else:
            if done.queued or done.delivered.sent or done.delivered.dead:
                logger.info(
                    "worker pass",
                    extra={
                        "queued": sum(done.queued.values()),
                        "sent": done.delivered.sent,
                        "retried": done.delivered.retried,
                        "dead": done.delivered.dead,
                    },
                )
        stop.wait(settings.worker_interval_seconds)
    logger.info("worker stopped")


class EmbeddedWorker:
    """The worker in a thread of the server process (the SQLite default)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=run_forever,
            kwargs={"sessions": session_factory(engine), "settings": settings, "stop": self.stop},
            name="mentormatch-worker",
            daemon=True,
        )

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def embedded_wanted(settings: Settings) -> bool:
    """Whether this server process runs the worker itself (``serve`` turns it on for the
    embedded SQLite default; an app made any other way runs none unless told to)."""
    return bool(settings.embedded_worker)
