"""Self-registration: the same answer for every address, a confirmed address, vetting."""

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from service.clock import MovableClock, get_clock
from service.config import Settings, get_settings
from service.crud.registrations import RECEIVED
from service.worker import Pass
from tests.factories import mentee_payload, mentor_payload
from tests.service.notifications.conftest import Mailbox, link_in, text_of


@pytest.fixture
def web(client: TestClient, clock: MovableClock, mail_settings: Settings) -> Iterator[TestClient]:
    """The app on the test's clock and mail settings."""
    app = client.app
    overrides = app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_clock] = lambda: clock
    overrides[get_settings] = lambda: mail_settings
    yield client
    overrides.pop(get_clock)


def _people(client: TestClient, coordinator: dict[str, str], kind: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = client.get(f"/{kind}s", headers=coordinator).json()["data"]
    return data


def _verify(client: TestClient, token: str) -> int:
    return client.post(f"/verify/{token}", headers={"sec-fetch-site": "same-origin"}).status_code


def test_a_new_and_a_known_address_get_the_same_answer(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    first = web.post("/mentees", json=mentee_payload(email="ana@example.org"))
    again = web.post("/mentees", json=mentee_payload(email="ana@example.org", name="Someone"))
    assert (first.status_code, again.status_code) == (202, 202)
    assert first.json() == again.json() == {"detail": RECEIVED}
    assert "location" not in first.headers
    (mentee,) = _people(web, coordinator, "mentee")
    assert (mentee["status"], mentee["email_verified_at"]) == ("pending", None)

    work()
    # Not confirmed yet: the second attempt sends a fresh link, not an "already registered".
    mails = mailbox.to("ana@example.org")
    assert [m["Subject"] for m in mails] == ["Confirm your email address"] * 2
    assert _verify(web, link_in(mails[0], "verify")) == 200

    mailbox.take()
    third = web.post("/mentees", json=mentee_payload(email="ana@example.org", name="Eve"))
    assert third.json() == first.json()
    work()
    (told,) = mailbox.to("ana@example.org")
    assert told["Subject"] == "Someone tried to register with your email address"
    assert "Eve" not in text_of(told)
    assert len(_people(web, coordinator, "mentee")) == 1


def test_bad_input_is_refused_alike_for_new_and_known_addresses(
    web: TestClient, coordinator: dict[str, str]
) -> None:
    web.post("/mentors", json=mentor_payload(email="kim@example.org"))
    known = web.post("/mentors", json=mentor_payload(email="kim@example.org", skills=["alchemy"]))
    new = web.post("/mentors", json=mentor_payload(email="new@example.org", skills=["alchemy"]))
    assert known.status_code == new.status_code == 422
    assert known.json()["errors"] == new.json()["errors"]
    assert len(_people(web, coordinator, "mentor")) == 1


def test_a_coordinator_registration_is_active_at_once_with_a_token(
    web: TestClient, coordinator: dict[str, str]
) -> None:
    response = web.post("/mentors", json=mentor_payload(), headers=coordinator)
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("mm_")
    assert body["mentor"]["status"] == "active"
    assert body["mentor"]["email_verified_at"] is not None


def test_the_verification_page_changes_nothing_until_its_button_is_pressed(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    web.post("/mentors", json=mentor_payload(email="lee@example.org"))
    work()
    token = link_in(mailbox.to("lee@example.org")[0], "verify")
    page = web.get(f"/verify/{token}")
    assert page.status_code == 200
    assert 'method="post"' in page.text
    assert "Confirm" in page.text
    (mentor,) = _people(web, coordinator, "mentor")
    assert mentor["email_verified_at"] is None

    assert _verify(web, token) == 200
    (mentor,) = _people(web, coordinator, "mentor")
    assert mentor["email_verified_at"] is not None
    # Vetting is on by default: confirmed, but still waiting for a coordinator.
    assert mentor["status"] == "pending"
    # Single use.
    assert _verify(web, token) == 404
    assert web.get(f"/verify/{token}").status_code == 404


def test_verification_links_expire_and_cannot_be_forged(
    web: TestClient,
    coordinator: dict[str, str],
    mailbox: Mailbox,
    work: Callable[..., Pass],
    clock: MovableClock,
) -> None:
    web.post("/mentees", json=mentee_payload(email="old@example.org"))
    work()
    token = link_in(mailbox.to("old@example.org")[0], "verify")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert _verify(web, tampered) == 404
    assert _verify(web, "not-a-link") == 404
    clock.advance(hours=49)
    assert _verify(web, token) == 404
    (mentee,) = _people(web, coordinator, "mentee")
    assert mentee["email_verified_at"] is None


def test_a_form_posted_from_another_site_is_refused(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    web.post("/mentees", json=mentee_payload(email="xs@example.org"))
    work()
    token = link_in(mailbox.to("xs@example.org")[0], "verify")
    refused = web.post(f"/verify/{token}", headers={"sec-fetch-site": "cross-site"})
    assert refused.status_code == 403
    (mentee,) = _people(web, coordinator, "mentee")
    assert mentee["email_verified_at"] is None


def test_without_vetting_a_confirmed_address_joins_the_cohort(
    web: TestClient,
    coordinator: dict[str, str],
    mailbox: Mailbox,
    work: Callable[..., Pass],
    mail_settings: Settings,
) -> None:
    unvetted = mail_settings.model_copy(update={"vet_registrations": False})
    web.app.dependency_overrides[get_settings] = lambda: unvetted  # type: ignore[attr-defined]
    web.post("/mentees", json=mentee_payload(email="quick@example.org"))
    work()
    assert _verify(web, link_in(mailbox.to("quick@example.org")[0], "verify")) == 200
    (mentee,) = _people(web, coordinator, "mentee")
    assert mentee["status"] == "waiting"


def test_approval_needs_a_confirmed_address_and_is_audited(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    web.post("/mentors", json=mentor_payload(email="vet@example.org"))
    (mentor,) = _people(web, coordinator, "mentor")
    early = web.post(f"/mentors/{mentor['id']}/approve", headers=coordinator)
    assert early.status_code == 409
    assert "not confirmed their email address" in early.json()["detail"]
    # Nor may a change of status skip the approval.
    patched = web.patch(f"/mentors/{mentor['id']}", headers=coordinator, json={"status": "active"})
    assert patched.status_code == 409

    work()
    assert _verify(web, link_in(mailbox.to("vet@example.org")[0], "verify")) == 200
    approved = web.post(f"/mentors/{mentor['id']}/approve", headers=coordinator)
    assert approved.status_code == 200
    assert approved.json()["status"] == "active"
    again = web.post(f"/mentors/{mentor['id']}/approve", headers=coordinator)
    assert again.status_code == 409

    events = web.get("/audit-events", headers=coordinator, params={"limit": 200}).json()["data"]
    actions = [(e["action"], e["actor_role"]) for e in events if e["subject_id"] == mentor["id"]]
    assert ("mentor.email_verified", "anonymous") in actions
    assert ("mentor.approved", "coordinator") in actions


def test_a_pending_profile_is_never_proposed(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    # A confirmed but unapproved mentee and mentor, and an unconfirmed pair, beside one
    # approved pair that fits them all.
    for email in ("m1@example.org", "m2@example.org"):
        web.post("/mentees", json=mentee_payload(email=email))
        web.post("/mentors", json=mentor_payload(email=email.replace("m", "t", 1)))
    work()
    for address in ("m1@example.org", "t1@example.org"):
        assert _verify(web, link_in(mailbox.to(address)[0], "verify")) == 200
    mentee = web.post("/mentees", json=mentee_payload(), headers=coordinator).json()["mentee"]
    mentor = web.post("/mentors", json=mentor_payload(), headers=coordinator).json()["mentor"]

    run = web.post("/match-runs", headers=coordinator, json={"min_score": 0}).json()
    assert run["mentees_considered"] == 1
    proposals = web.get(f"/match-runs/{run['id']}/proposals", headers=coordinator).json()["data"]
    assert [(p["mentee"]["id"], p["mentor"]["id"]) for p in proposals] == [
        (mentee["id"], mentor["id"])
    ]

    suggested = web.get(f"/mentees/{mentee['id']}/suggestions", headers=coordinator).json()
    assert [s["mentor"]["id"] for s in suggested["data"]] == [mentor["id"]]
    pending_mentee = next(
        m for m in _people(web, coordinator, "mentee") if m["email"] == "m1@example.org"
    )
    by_hand = web.post(
        "/pairings",
        headers=coordinator,
        json={"mentee_id": pending_mentee["id"], "mentor_id": mentor["id"]},
    )
    assert by_hand.status_code in (409, 422)
