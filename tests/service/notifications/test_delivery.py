"""Delivery: retries with back-off, dead letters coordinators can see and retry, privacy."""

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.clock import MovableClock
from service.models import MessageStatus, OutboxMessage
from service.notifications.delivery import backoff
from service.observability import JsonFormatter
from tests.factories import bearer, mentee_payload
from tests.service.notifications.conftest import TEAM, Mailbox
from tests.service.notifications.test_life_of_a_pairing import MENTEE, MENTOR, start_pairing


def statuses(session: Session) -> dict[str, str]:
    return {m.idempotency_key: m.status for m in session.exec(select(OutboxMessage))}


def test_a_failing_server_means_retries_then_a_dead_letter_and_nothing_lost(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mailbox: Mailbox,
    clock: MovableClock,
    work: Callable[..., Any],
) -> None:
    start_pairing(client, coordinator)
    # Servers name addresses in their errors; the stored error must not.
    mailbox.refuse_with = f"451 4.3.0 <{MENTEE}> mailbox busy, try again later"
    first = work(delivery_max_attempts=3)
    assert first.delivered.retried == 2
    message = session.exec(select(OutboxMessage)).first()
    assert message is not None
    assert (message.attempts, message.status) == (1, MessageStatus.queued)
    assert "451" in message.last_error
    assert MENTEE not in message.last_error
    assert "<address>" in message.last_error

    work(delivery_max_attempts=3)
    assert mailbox.received == [], "not due again before its back-off"
    clock.advance(seconds=backoff(1).total_seconds())
    work(delivery_max_attempts=3)
    clock.advance(seconds=backoff(2).total_seconds())
    last = work(delivery_max_attempts=3)
    assert last.delivered.dead == 2
    assert set(statuses(session).values()) == {MessageStatus.dead}

    dead = client.get("/outbox-messages", headers=coordinator, params={"status": "dead"}).json()
    assert dead["count"] == 2
    assert {"payload", "to_address", "body"}.isdisjoint(dead["data"][0])
    assert "451" in dead["data"][0]["last_error"]

    # Once the server works again, a coordinator retries them, and they arrive.
    mailbox.refuse_with = None
    for item in dead["data"]:
        retried = client.post(f"/outbox-messages/{item['id']}/retry", headers=coordinator)
        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] == "queued"
    again = client.post(f"/outbox-messages/{dead['data'][0]['id']}/retry", headers=coordinator)
    assert again.status_code == 409
    work()
    assert {m["To"] for m in mailbox.take()} == {MENTEE, MENTOR}


def test_a_refused_address_is_dead_at_once(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mailbox: Mailbox,
    work: Callable[..., Any],
) -> None:
    start_pairing(client, coordinator)
    mailbox.refuse_with = "550 5.1.1 User unknown"
    done = work()
    assert done.delivered.dead == 2
    assert set(statuses(session).values()) == {MessageStatus.dead}


def test_alerts_without_a_coordinator_address_are_dead_with_what_to_do(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mailbox: Mailbox,
    work: Callable[..., Any],
) -> None:
    pairing_id = start_pairing(client, coordinator)
    mentee_token = client.post(
        f"/mentees/{client.get(f'/pairings/{pairing_id}', headers=coordinator).json()['mentee_id']}"
        "/access-token",
        headers=coordinator,
    ).json()["token"]
    client.post(
        f"/me/pairings/{pairing_id}/fit", headers=bearer(mentee_token), json={"fit": "not_a_fit"}
    )
    work(coordinator_emails=[])
    alert = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "not_a_fit_alert")).one()
    assert alert.status == MessageStatus.dead
    assert "MENTORMATCH_COORDINATOR_EMAILS" in alert.last_error
    assert TEAM not in [m["To"] for m in mailbox.received]


def test_erasing_a_person_drops_their_unsent_messages(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mailbox: Mailbox,
    work: Callable[..., Any],
) -> None:
    pairing_id = start_pairing(client, coordinator)
    mentee_id = client.get(f"/pairings/{pairing_id}", headers=coordinator).json()["mentee_id"]
    assert client.delete(f"/mentees/{mentee_id}", headers=coordinator).status_code == 204
    work()
    assert mailbox.received == [], "neither the introductions nor the end survey go out"
    assert session.exec(select(OutboxMessage)).all() == []


def test_the_digest_goes_to_coordinators_once_a_day(
    client: TestClient,
    coordinator: dict[str, str],
    mailbox: Mailbox,
    clock: MovableClock,
    work: Callable[..., Any],
) -> None:
    client.post("/mentees", json=mentee_payload(), headers=coordinator)
    while clock.now().hour < 7:
        clock.advance(hours=1)
    work(digest="daily")
    digests = [m for m in mailbox.take() if m["To"] == TEAM]
    assert len(digests) == 1
    assert digests[0]["Subject"] == "Mentoring scheme: what needs you today"
    work(digest="daily")
    assert mailbox.take() == []
    clock.advance(days=1)
    work(digest="daily")
    assert len(mailbox.take()) == 1


def test_the_log_transport_logs_neither_addresses_nor_bodies(
    client: TestClient,
    coordinator: dict[str, str],
    caplog: pytest.LogCaptureFixture,
    work: Callable[..., Any],
) -> None:
    start_pairing(client, coordinator)
    caplog.set_level(logging.INFO, logger="mentormatch")
    done = work(mail_transport="log")
    assert done.delivered.sent == 2
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert any(json.loads(line).get("kind") == "introduction" for line in lines)
    for needle in (MENTEE, MENTOR, "Jo Adams", "Alex Reid"):
        assert all(needle not in line for line in lines)


def test_participants_cannot_see_the_outbox(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    token = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["token"]
    assert client.get("/outbox-messages", headers=bearer(token)).status_code == 403
