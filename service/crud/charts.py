"""The dashboard's charts as tables: one aggregate query each, whatever the cohort's size.

Each chart is a small table (a label per row and one count per series) that the
console draws as bars, shows as an accessible table beside them, and offers as a
spreadsheet for funders' reports.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from service.crud.taxonomy import TaxonomyIndex, load_index
from service.models import (
    Mentee,
    MenteeStatus,
    Pairing,
    PairingStatus,
    Proposal,
    Vocabulary,
)

SCORE_BANDS = 10
BY_HAND = "Made by hand (no score)"


@dataclass(frozen=True)
class Chart:
    """A chart's table: ``rows`` of a label and one count per name in ``series``."""

    key: str
    title: str
    label: str  # what the rows are, the header of the first column
    series: tuple[str, ...]
    rows: list[tuple[str, ...]]
    counts: list[tuple[int, ...]]

    @property
    def largest(self) -> int:
        return max((sum(row) for row in self.counts), default=0)

    @property
    def empty(self) -> bool:
        return self.largest == 0

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of the chart's data, as a spreadsheet shows them."""
        header = [self.label, *self.series]
        return header, [[*row, *count] for row, count in zip(self.rows, self.counts, strict=True)]


def _band(score: Any) -> ColumnElement[int]:
    # A CASE rather than floor(): SQLite has no floor() unless built with its maths functions.
    whens = [(score < (n + 1) / SCORE_BANDS, n) for n in range(SCORE_BANDS - 1)]
    return case(*whens, else_=SCORE_BANDS - 1)


def scores(*, session: Session) -> Chart:
    """Active pairings by the score of the proposal they came from, in bands of 0.1."""
    band = _band(col(Proposal.score)).label("band")
    active = col(Pairing.status) == PairingStatus.active
    counted = dict(
        session.exec(
            select(band, func.count())
            .select_from(Pairing)
            .join(Proposal, col(Pairing.proposal_id) == col(Proposal.id))
            .where(active)
            .group_by(band)
        ).all()
    )
    by_hand = session.exec(
        select(func.count()).where(active, col(Pairing.proposal_id).is_(None))
    ).one()
    rows = [(f"{n / SCORE_BANDS:.1f} to {(n + 1) / SCORE_BANDS:.1f}",) for n in range(SCORE_BANDS)]
    counts = [(int(counted.get(n, 0)),) for n in range(SCORE_BANDS)]
    return Chart(
        key="scores",
        title="Scores of active pairings",
        label="Score",
        series=("Active pairings",),
        rows=[*rows, (BY_HAND,)],
        counts=[*counts, (int(by_hand),)],
    )


def _mentees_by(
    session: Session, index: TaxonomyIndex, column: Any, vocabulary: Vocabulary
) -> tuple[list[tuple[str, ...]], list[tuple[int, ...]]]:
    """Paired and waiting mentees (not erased) for each term that has any."""
    query = (
        select(column, col(Mentee.status), func.count())
        .where(
            col(Mentee.status).in_([MenteeStatus.paired, MenteeStatus.waiting]),
            col(Mentee.erased_at).is_(None),
        )
        .group_by(column, col(Mentee.status))
    )
    found: dict[str, dict[str, int]] = {}
    for code, status, count in session.exec(query):
        found.setdefault(code, {})[status] = count
    terms = index.terms.get(vocabulary, {})
    # The vocabulary's own order (as the taxonomy page shows it), then any other code.
    order = [code for code in terms if code in found] + sorted(set(found) - set(terms))
    rows: list[tuple[str, ...]] = [
        (terms[code].label if code in terms else code,) for code in order
    ]
    counts: list[tuple[int, ...]] = [
        (found[code].get(MenteeStatus.paired, 0), found[code].get(MenteeStatus.waiting, 0))
        for code in order
    ]
    return rows, counts


def by_sector(*, session: Session, index: TaxonomyIndex) -> Chart:
    rows, counts = _mentees_by(session, index, col(Mentee.primary_sector), Vocabulary.sector)
    return Chart(
        key="sectors",
        title="Mentees paired and waiting, by sector",
        label="Sector",
        series=("Paired", "Waiting"),
        rows=rows,
        counts=counts,
    )


def by_region(*, session: Session, index: TaxonomyIndex) -> Chart:
    rows, counts = _mentees_by(session, index, col(Mentee.region), Vocabulary.region)
    return Chart(
        key="regions",
        title="Mentees paired and waiting, by region",
        label="Region",
        series=("Paired", "Waiting"),
        rows=rows,
        counts=counts,
    )


def _month(session: Session, day: Any) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", day)
    return func.to_char(day, "YYYY-MM")


def started_by_month(*, session: Session) -> Chart:
    """Pairings started in each month, from the first to the last that had any."""
    month = _month(session, col(Pairing.started_on)).label("month")
    found = dict(session.exec(select(month, func.count()).group_by(month)).all())
    months = _months_between(min(found), max(found)) if found else []
    return Chart(
        key="started",
        title="Pairings started each month",
        label="Month",
        series=("Pairings started",),
        rows=[(_month_name(month),) for month in months],
        counts=[(int(found.get(month, 0)),) for month in months],
    )


def _month_name(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1).strftime("%B %Y")


def _months_between(first: str, last: str) -> list[str]:
    year, month = (int(part) for part in first.split("-"))
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def all_charts(*, session: Session) -> list[Chart]:
    index = load_index(session=session)
    return [
        scores(session=session),
        by_sector(session=session, index=index),
        by_region(session=session, index=index),
        started_by_month(session=session),
    ]
