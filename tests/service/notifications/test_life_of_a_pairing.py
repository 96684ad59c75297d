"""The life of a pairing in messages: introductions, check-ins, alerts, reminders, the end.

A real SMTP server receives the mail; the worker's passes run on a clock the test
moves, days at a time.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.clock import MovableClock
from service.crud import answers
from service.errors import NotFound
from service.models import (
    CheckinAnswer,
    Fit,
    MessageStatus,
    OutboxMessage,
    Outcome,
    Pairing,
    SurveyAnswer,
)
from tests.factories import mentee_payload, mentor_payload
from tests.service.notifications.conftest import TEAM, Mailbox, link_in, text_of

MENTEE = "alex.reid@example.org"
MENTOR = "jo.adams@example.org"


def start_pairing(client: TestClient, coordinator: dict[str, str]) -> int:
    """One mentee and one mentor, matched by a run and accepted."""
    client.post(
        "/mentors",
        headers=coordinator,
        json=mentor_payload(name="Jo Adams", email=MENTOR, organisation="Valley Health CIC"),
    )
    client.post(
        "/mentees",
        headers=coordinator,
        json=mentee_payload(name="Alex Reid", email=MENTEE, organisation="Riverside Care CIC"),
    )
    run = client.post("/match-runs", headers=coordinator, json={}).json()
    accepted = client.post(f"/match-runs/{run['id']}/accept", headers=coordinator, json={})
    assert accepted.json()["count"] == 1, accepted.text
    return int(client.get("/pairings", headers=coordinator).json()["data"][0]["id"])


def test_the_whole_life_of_a_pairing_in_messages(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mailbox: Mailbox,
    clock: MovableClock,
    work: Callable[..., Any],
) -> None:
    pairing_id = start_pairing(client, coordinator)

    # Both people hear of the pairing: who, why, and how to reach each other.
    work()
    (to_mentee,) = mailbox.to(MENTEE)
    (to_mentor,) = mailbox.to(MENTOR)
    assert to_mentee["Subject"] == "Your mentoring pairing has started"
    assert "Jo Adams of Valley Health CIC as your mentor" in text_of(to_mentee)
    assert f"Contact Jo Adams at {MENTOR}" in text_of(to_mentee)
    assert "Why you were matched: Same sector: Adult social care" in text_of(to_mentee)
    assert "Alex Reid of Riverside Care CIC, who will be your mentee" in text_of(to_mentor)
    assert f"Contact Alex Reid at {MENTEE}" in text_of(to_mentor)
    assert to_mentee["Message-ID"] != to_mentor["Message-ID"]
    mailbox.take()
    work()
    assert mailbox.take() == [], "a second pass sends nothing again"

    # Thirty days in, both are asked how it fits.
    clock.advance(days=29)
    work()
    assert mailbox.take() == []
    clock.advance(days=1)
    work()
    checkins = {m["To"]: m for m in mailbox.take()}
    assert set(checkins) == {MENTEE, MENTOR}
    assert checkins[MENTEE]["Subject"] == "How is your mentoring going?"

    # The mentee is still deciding; the mentor says it is not a fit: the team hears.
    answers.checkin(
        session,
        token=link_in(checkins[MENTEE], "respond/checkin"),
        fit=Fit.still_deciding,
        rating=3,
        now=clock.now(),
    )
    answers.checkin(
        session,
        token=link_in(checkins[MENTOR], "respond/checkin"),
        fit=Fit.not_a_fit,
        rating=1,
        now=clock.now(),
    )
    work()
    (alert,) = mailbox.take()
    assert alert["To"] == TEAM
    assert alert["Subject"] == "A pairing may not be working"
    assert "The mentor said their pairing is not a fit" in text_of(alert)
    assert f"/console/pairings/{pairing_id}" in text_of(alert)
    listed = client.get("/pairings", headers=coordinator, params={"fit": "not_a_fit"}).json()
    assert [p["id"] for p in listed["data"]] == [pairing_id]

    # Still deciding two weeks later: asked again (only the one who is deciding).
    clock.advance(days=14)
    work()
    (again,) = mailbox.take()
    assert again["To"] == MENTEE
    assert "Last time you told us you were still deciding" in text_of(again)

    # A planned end: both are reminded before it, then auto-end, then the survey.
    planned = (clock.now() + timedelta(days=10)).date()
    response = client.patch(
        f"/pairings/{pairing_id}", headers=coordinator, json={"planned_end_on": planned.isoformat()}
    )
    assert response.status_code == 200, response.text
    work()
    reminders = mailbox.take()
    assert {m["To"] for m in reminders} == {MENTEE, MENTOR}
    assert all(m["Subject"] == "Your mentoring pairing ends soon" for m in reminders)
    assert f"{planned:%-d %B %Y}" in text_of(reminders[0])

    clock.advance(days=11)
    work(auto_end=True)
    pairing = session.get(Pairing, pairing_id)
    assert pairing is not None
    assert (pairing.status, pairing.ended_on) == ("completed", planned)
    surveys = {m["To"]: m for m in mailbox.take()}
    assert set(surveys) == {MENTEE, MENTOR}
    answer = answers.survey(
        session,
        token=link_in(surveys[MENTEE], "respond/survey"),
        outcome=Outcome.goals_met,
        rating=4,
        would_take_part_again=True,
        now=clock.now(),
    )
    assert (answer.role, answer.rating) == ("mentee", 4)
    assert len(session.exec(select(CheckinAnswer)).all()) == 2
    assert len(session.exec(select(SurveyAnswer)).all()) == 1

    # Everything went once, and nothing of what was said stays in the outbox.
    sent = session.exec(select(OutboxMessage)).all()
    assert {m.status for m in sent} == {MessageStatus.sent}
    assert all(m.payload == {} for m in sent)
    assert len(sent) == 2 + 2 + 1 + 1 + 2 + 2


def test_check_in_links_are_refused_once_expired_or_for_another_purpose(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mailbox: Mailbox,
    clock: MovableClock,
    work: Callable[..., Any],
) -> None:
    start_pairing(client, coordinator)
    clock.advance(days=30)
    work()
    checkin = next(m for m in mailbox.take() if m["Subject"] == "How is your mentoring going?")
    token = link_in(checkin, "respond/checkin")
    with pytest.raises(NotFound):
        answers.survey(
            session,
            token=token,
            outcome=Outcome.goals_met,
            rating=4,
            would_take_part_again=True,
            now=clock.now(),
        )
    with pytest.raises(NotFound):
        answers.checkin(session, token=token + "x", fit=Fit.good_fit, rating=4, now=clock.now())
    with pytest.raises(NotFound):
        answers.checkin(
            session, token=token, fit=Fit.good_fit, rating=4, now=clock.now() + timedelta(days=61)
        )
    answers.checkin(session, token=token, fit=Fit.good_fit, rating=4, now=clock.now())
    answers.checkin(session, token=token, fit=Fit.still_deciding, rating=3, now=clock.now())
    assert len(session.exec(select(CheckinAnswer)).all()) == 2, "an answer can be changed"
