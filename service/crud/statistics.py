"""Where the programme stands: the figures of the coordinators' dashboard.

Each figure is one aggregate query, so the dashboard costs the same few queries
whatever the size of the cohort. Erased people are left out of the figures about
people (they are no longer in the scheme) but their pairings still count.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from service.models import Mentee, MenteeStatus, Mentor, MentorStatus, Pairing, PairingStatus


@dataclass(frozen=True)
class ProgrammeSummary:
    waiting_mentees: int
    # How long the mentee waiting longest has been registered; None when nobody waits.
    longest_wait: timedelta | None
    mentors_with_places: int
    places_left: int
    active_pairings: int
    completed_pairings: int
    ended_early_pairings: int
    # Mentees ever paired, out of those who asked for a mentor and did not withdraw unpaired.
    mentees_paired: int
    mentees_seeking: int

    @property
    def match_rate(self) -> float | None:
        return self.mentees_paired / self.mentees_seeking if self.mentees_seeking else None


def summary(*, session: Session, now: datetime) -> ProgrammeSummary:
    """The dashboard's figures, as of ``now``."""
    waiting, first_registered = session.exec(
        select(func.count(), func.min(Mentee.created_at)).where(
            col(Mentee.status) == MenteeStatus.waiting, col(Mentee.erased_at).is_(None)
        )
    ).one()
    in_use = (
        select(func.count())
        .where(
            col(Pairing.mentor_id) == col(Mentor.id), col(Pairing.status) == PairingStatus.active
        )
        .scalar_subquery()
    )
    free = (
        select((col(Mentor.capacity) - in_use).label("free"))
        .where(col(Mentor.status) == MentorStatus.active, col(Mentor.erased_at).is_(None))
        .subquery()
    )
    mentors_with_places, places_left = session.exec(
        select(func.count(), func.coalesce(func.sum(free.c.free), 0)).where(free.c.free > 0)
    ).one()
    by_status = dict(
        session.exec(select(col(Pairing.status), func.count()).group_by(col(Pairing.status))).all()
    )
    ever_paired = select(Pairing.mentee_id).distinct()
    paired = session.exec(select(func.count()).select_from(ever_paired.subquery())).one()
    seeking = session.exec(
        select(func.count()).where(
            or_(col(Mentee.status) != MenteeStatus.withdrawn, col(Mentee.id).in_(ever_paired))
        )
    ).one()
    return ProgrammeSummary(
        waiting_mentees=waiting,
        longest_wait=now - first_registered if first_registered is not None else None,
        mentors_with_places=mentors_with_places,
        places_left=int(places_left),
        active_pairings=by_status.get(PairingStatus.active, 0),
        completed_pairings=by_status.get(PairingStatus.completed, 0),
        ended_early_pairings=by_status.get(PairingStatus.ended_early, 0),
        mentees_paired=paired,
        mentees_seeking=seeking,
    )
