"""The dashboard: who waits, who has places left, how pairings went, the match rate."""

import csv
import io
from collections import Counter
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col

from service.crud import charts, statistics
from service.models import Mentee, Pairing, utcnow
from tests.factories import mentee_payload, mentor_payload
from tests.service.console.conftest import ConsoleClient, plain, title_of


def add(client: TestClient, headers: dict[str, str], kind: str, **fields: object) -> int:
    factory = mentee_payload if kind == "mentee" else mentor_payload
    response = client.post(f"/{kind}s", json=factory(**fields), headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def pair(client: TestClient, headers: dict[str, str], mentee: int, mentor: int) -> int:
    response = client.post(
        "/pairings", json={"mentee_id": mentee, "mentor_id": mentor}, headers=headers
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def end(client: TestClient, headers: dict[str, str], pairing: int, status: str) -> None:
    response = client.post(f"/pairings/{pairing}/end", json={"status": status}, headers=headers)
    assert response.status_code == 200, response.text


def test_an_empty_programme(console: ConsoleClient, session: Session) -> None:
    summary = statistics.summary(session=session, now=utcnow())
    assert summary.waiting_mentees == 0
    assert summary.longest_wait is None
    assert summary.match_rate is None
    page = console.get("/console")
    assert title_of(page.text) == "Dashboard – mentormatch"
    assert "Nobody is waiting" in page.text
    assert "No mentees yet" in page.text


def test_the_figures_follow_the_programme(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    busy = add(client, coordinator, "mentor", capacity=2)
    free = add(client, coordinator, "mentor", capacity=3)
    paused = add(client, coordinator, "mentor", capacity=5)
    client.patch(f"/mentors/{paused}", json={"status": "paused"}, headers=coordinator)
    mentees = [add(client, coordinator, "mentee") for _ in range(6)]
    withdrawn = add(client, coordinator, "mentee")
    client.patch(f"/mentees/{withdrawn}", json={"status": "withdrawn"}, headers=coordinator)

    pair(client, coordinator, mentees[0], busy)
    pair(client, coordinator, mentees[1], busy)
    end(client, coordinator, pair(client, coordinator, mentees[2], free), "completed")
    end(client, coordinator, pair(client, coordinator, mentees[3], free), "ended_early")
    # Mentees 3 (back to waiting after an early end), 4 and 5 wait; the oldest for 10 days.
    session.execute(
        update(Mentee)
        .where(col(Mentee.id) == mentees[4])
        .values(created_at=utcnow() - timedelta(days=10, hours=2))
    )
    session.commit()

    summary = statistics.summary(session=session, now=utcnow())
    assert summary.waiting_mentees == 3
    assert summary.longest_wait is not None
    assert summary.longest_wait.days == 10
    assert (summary.mentors_with_places, summary.places_left) == (1, 3)
    assert (
        summary.active_pairings,
        summary.completed_pairings,
        summary.ended_early_pairings,
    ) == (2, 1, 1)
    # Paired at least once: 0, 1, 2 and 3, of the six who did not withdraw unpaired.
    assert (summary.mentees_paired, summary.mentees_seeking) == (4, 6)

    text = plain(console.get("/console").text)
    assert "3 mentees waiting" in text
    assert "3 places left with mentors" in text
    assert "2 active pairings" in text
    assert "67% match rate" in text
    assert "10 days since registering" in text
    assert "4 of 6 mentees paired at least once (67%)" in text
    assert "Completed 1" in text
    assert "Ended early 1" in text


def test_an_empty_programme_has_empty_charts(console: ConsoleClient) -> None:
    text = plain(console.get("/console").text)
    for title in (
        "Scores of active pairings",
        "Mentees paired and waiting, by sector",
        "Mentees paired and waiting, by region",
        "Pairings started each month",
    ):
        assert f"{title} Nothing to show yet." in text


def test_the_charts_count_pairings_and_mentees_and_download_as_csv(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    mentor = add(client, coordinator, "mentor", capacity=5, sectors=["housing"])
    in_london = [
        add(client, coordinator, "mentee", primary_sector="housing", region="london")
        for _ in range(2)
    ]
    in_wales = add(
        client, coordinator, "mentee", primary_sector="adult_social_care", region="wales"
    )
    run = client.post(
        "/match-runs", json={"cohort": {"mentee_ids": in_london}}, headers=coordinator
    ).json()
    proposals = client.get(f"/match-runs/{run['id']}/proposals", headers=coordinator).json()
    accepted = client.post(
        f"/match-runs/{run['id']}/accept", json={"mode": "possible"}, headers=coordinator
    )
    assert accepted.status_code == 200, accepted.text
    by_hand = pair(client, coordinator, in_wales, mentor)
    client.patch(f"/pairings/{by_hand}", json={"planned_end_on": "2027-01-31"}, headers=coordinator)
    session.execute(
        update(Pairing).where(col(Pairing.id) == by_hand).values(started_on=date(2026, 8, 3))
    )
    session.commit()
    waiting = add(client, coordinator, "mentee", primary_sector="housing", region="wales")
    assert waiting

    found = {chart.key: chart for chart in charts.all_charts(session=session)}
    scores = dict(
        zip([row[0] for row in found["scores"].rows], found["scores"].counts, strict=True)
    )
    expected_bands = Counter(
        f"{int(p['score'] * 10) / 10:.1f} to {int(p['score'] * 10) / 10 + 0.1:.1f}"
        for p in proposals["data"]
    )
    assert {band: n for band, (n,) in scores.items() if n and band != charts.BY_HAND} == dict(
        expected_bands
    )
    assert scores[charts.BY_HAND] == (1,)
    assert dict(zip(found["sectors"].rows, found["sectors"].counts, strict=True)) == {
        ("Housing",): (2, 1),
        ("Adult social care",): (1, 0),
    }
    assert dict(zip(found["regions"].rows, found["regions"].counts, strict=True)) == {
        ("London",): (2, 0),
        ("Wales",): (1, 1),
    }
    today = utcnow()
    months = dict(zip(found["started"].rows, found["started"].counts, strict=True))
    assert months[("August 2026",)] == (1,)
    assert months[(today.strftime("%B %Y"),)] == (2,)
    # Every month from the first to the last, those without a start too.
    assert len(months) == (today.year - 2026) * 12 + today.month - 8 + 1

    text = plain(console.get("/console").text)
    assert "Housing 2 paired, 1 waiting" in text
    assert f"{charts.BY_HAND} 1" in text

    download = console.get("/console/charts/sectors.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")))) == [
        ["Sector", "Paired", "Waiting"],
        ["Adult social care", "1", "0"],  # in the taxonomy's order
        ["Housing", "2", "1"],
    ]
    assert console.get("/console/charts/nothing.csv").status_code == 404
