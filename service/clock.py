"""The one source of the current time: the worker's schedules read it, and tests move it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from service.models import utcnow


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return utcnow()


@dataclass
class MovableClock:
    """The real time moved forward by ``offset``: tests skip days, and time still flows."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


_SYSTEM_CLOCK = SystemClock()


def get_clock() -> Clock:
    """The clock of a request (a dependency, so that tests can move it)."""
    return _SYSTEM_CLOCK
