"""Signing in by emailed link: no enumeration, single use, expiry, sessions of one's own."""

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.clock import MovableClock, get_clock
from service.config import Settings, get_settings
from service.models import Mentee
from service.worker import Pass
from tests.factories import mentee_payload, mentor_payload
from tests.service.notifications.conftest import Mailbox, link_in

SAME_SITE = {"sec-fetch-site": "same-origin"}


@pytest.fixture
def web(client: TestClient, clock: MovableClock, mail_settings: Settings) -> Iterator[TestClient]:
    overrides = client.app.dependency_overrides  # type: ignore[attr-defined]
    overrides[get_clock] = lambda: clock
    overrides[get_settings] = lambda: mail_settings
    yield client
    overrides.pop(get_clock)


def _ask(client: TestClient, email: str) -> tuple[int, str]:
    response = client.post(
        "/sign-in", data={"email": email}, headers=SAME_SITE, follow_redirects=True
    )
    # Each page carries its own script nonce; the rest must be the same.
    return response.status_code, re.sub(r'nonce="[^"]*"', "", response.text)


def _sign_in(client: TestClient, token: str) -> int:
    return client.post(f"/sign-in/{token}", headers=SAME_SITE, follow_redirects=False).status_code


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_every_address_gets_the_same_answer_and_only_confirmed_ones_a_link(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    web.post("/mentors", json=mentor_payload(email="known@example.org"), headers=coordinator)
    web.post("/mentees", json=mentee_payload(email="unconfirmed@example.org"))
    work()
    mailbox.take()
    answers = {
        email: _ask(web, email)
        for email in ("known@example.org", "unconfirmed@example.org", "nobody@example.org")
    }
    assert len(set(answers.values())) == 1
    assert answers["nobody@example.org"][0] == 200
    work()
    assert [(m["To"], m["Subject"]) for m in mailbox.received] == [
        ("known@example.org", "Your sign-in link")
    ]


def test_a_malformed_address_is_refused_beside_its_field(web: TestClient) -> None:
    response = web.post("/sign-in", data={"email": "not an address"}, headers=SAME_SITE)
    assert response.status_code == 422
    assert "Enter an email address in the correct format" in response.text
    assert 'href="#email"' in response.text


def test_a_link_signs_in_once_and_shows_my_profile_only(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    web.post(
        "/mentees",
        json=mentee_payload(email="me@example.org", name="Alex Reid"),
        headers=coordinator,
    )
    web.post(
        "/mentors",
        json=mentor_payload(email="other@example.org", name="Sam Okafor"),
        headers=coordinator,
    )
    assert web.get("/my", follow_redirects=False).headers["location"] == "/sign-in"
    _ask(web, "me@example.org")
    work()
    token = link_in(mailbox.to("me@example.org")[0], "sign-in")
    # Opening the link changes nothing; the button signs in.
    assert web.get(f"/sign-in/{token}").status_code == 200
    assert web.get("/my", follow_redirects=False).status_code == 303
    assert _sign_in(web, token) == 303
    mine = web.get("/my")
    assert mine.status_code == 200
    assert "Alex Reid" in mine.text
    assert "Sam Okafor" not in mine.text
    assert "no-store" in mine.headers["cache-control"]
    # Single use.
    assert _sign_in(web, token) == 404

    # Signing out needs the page's CSRF token; afterwards /my asks to sign in again.
    assert web.post("/my/sign-out", headers=SAME_SITE, data={}).status_code == 403
    signed_out = web.post(
        "/my/sign-out",
        headers=SAME_SITE,
        data={"csrf_token": _csrf(mine.text)},
        follow_redirects=False,
    )
    assert signed_out.status_code == 303
    assert web.get("/my", follow_redirects=False).status_code == 303


def test_sign_in_links_expire_and_cannot_be_forged(
    web: TestClient,
    coordinator: dict[str, str],
    mailbox: Mailbox,
    work: Callable[..., Pass],
    clock: MovableClock,
) -> None:
    web.post("/mentors", json=mentor_payload(email="late@example.org"), headers=coordinator)
    _ask(web, "late@example.org")
    work()
    token = link_in(mailbox.to("late@example.org")[0], "sign-in")
    assert _sign_in(web, token[:-3] + "abc") == 404
    assert _sign_in(web, "ml_" + "A" * 43) == 404
    clock.advance(minutes=21)
    assert web.get(f"/sign-in/{token}").status_code == 404
    assert _sign_in(web, token) == 404
    assert web.get("/my", follow_redirects=False).status_code == 303


def test_a_sign_in_posted_from_another_site_is_refused(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    web.post("/mentors", json=mentor_payload(email="xs@example.org"), headers=coordinator)
    _ask(web, "xs@example.org")
    work()
    token = link_in(mailbox.to("xs@example.org")[0], "sign-in")
    refused = web.post(f"/sign-in/{token}", headers={"sec-fetch-site": "cross-site"})
    assert refused.status_code == 403
    # The link was not spent.
    assert _sign_in(web, token) == 303


def test_an_erased_person_is_signed_out(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    mentor = web.post(
        "/mentors", json=mentor_payload(email="gone@example.org"), headers=coordinator
    ).json()["mentor"]
    _ask(web, "gone@example.org")
    work()
    assert _sign_in(web, link_in(mailbox.to("gone@example.org")[0], "sign-in")) == 303
    assert web.get("/my").status_code == 200
    web.delete(f"/mentors/{mentor['id']}", headers=coordinator)
    assert web.get("/my", follow_redirects=False).status_code == 303


def test_asking_for_links_is_rate_limited(web: TestClient) -> None:
    statuses = [_ask(web, "nobody@example.org")[0] for _ in range(25)]
    assert statuses[0] == 200
    assert statuses[-1] == 429


def _signed_in(web: TestClient, mailbox: Mailbox, work: Callable[..., Pass], email: str) -> str:
    """Sign this browser in as the person with ``email``; the CSRF token of its pages."""
    _ask(web, email)
    work()
    assert _sign_in(web, link_in(mailbox.to(email)[-1], "sign-in")) == 303
    return _csrf(web.get("/my").text)


def test_my_pairings_show_the_partners_contact_only_while_active(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    mentee = web.post(
        "/mentees", json=mentee_payload(email="pair@example.org"), headers=coordinator
    ).json()["mentee"]
    mentor = web.post(
        "/mentors",
        json=mentor_payload(email="partner@example.org", name="Jo Adams"),
        headers=coordinator,
    ).json()["mentor"]
    stranger = web.post(
        "/mentors", json=mentor_payload(name="Not Mine"), headers=coordinator
    ).json()["mentor"]
    other_mentee = web.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    web.post(
        "/pairings",
        headers=coordinator,
        json={"mentee_id": other_mentee["mentee"]["id"], "mentor_id": stranger["id"]},
    )
    _signed_in(web, mailbox, work, "pair@example.org")
    assert "You have no pairing yet" in web.get("/my/pairings").text

    pairing = web.post(
        "/pairings",
        headers=coordinator,
        json={"mentee_id": mentee["id"], "mentor_id": mentor["id"]},
    ).json()
    page = web.get("/my/pairings").text
    assert "Jo Adams" in page
    assert "partner@example.org" in page
    assert "Not Mine" not in page

    web.post(
        f"/pairings/{pairing['id']}/end",
        headers=coordinator,
        json={"status": "completed", "reason": "Goals met."},
    )
    ended = web.get("/my/pairings").text
    assert "Jo Adams" in ended
    assert "partner@example.org" not in ended


def test_a_mentor_pauses_and_resumes_and_a_mentee_withdraws(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    mentor = web.post(
        "/mentors", json=mentor_payload(email="busy@example.org"), headers=coordinator
    ).json()["mentor"]
    csrf = _signed_in(web, mailbox, work, "busy@example.org")
    assert (
        web.post("/my/availability", headers=SAME_SITE, data={"action": "pause"}).status_code == 403
    )
    for action, status in (("pause", "paused"), ("resume", "active")):
        changed = web.post(
            "/my/availability",
            headers=SAME_SITE,
            data={"action": action, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert changed.status_code == 303
        assert web.get(f"/mentors/{mentor['id']}", headers=coordinator).json()["status"] == status
    # A change the page does not offer is refused.
    refused = web.post(
        "/my/availability", headers=SAME_SITE, data={"action": "withdraw", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    events = web.get("/audit-events", headers=coordinator, params={"limit": 200}).json()["data"]
    assert ("mentor.status_changed", "mentor", mentor["id"]) in [
        (e["action"], e["actor_role"], e["actor_id"]) for e in events
    ]

    mentee = web.post(
        "/mentees", json=mentee_payload(email="leaving@example.org"), headers=coordinator
    ).json()["mentee"]
    csrf = _signed_in(web, mailbox, work, "leaving@example.org")
    assert "Withdraw from the scheme" in web.get("/my/availability").text
    web.post("/my/availability", headers=SAME_SITE, data={"action": "withdraw", "csrf_token": csrf})
    assert web.get(f"/mentees/{mentee['id']}", headers=coordinator).json()["status"] == "withdrawn"


def test_my_pages_need_a_session(web: TestClient) -> None:
    for path in ("/my", "/my/pairings", "/my/availability"):
        response = web.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/sign-in")
    refused = web.post("/my/availability", data={"action": "pause"}, follow_redirects=False)
    assert refused.status_code == 303


def _mentee_form(**overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "name": "Alex Reid",
        "email": "alex@example.org",
        "organisation": "Riverside Home Care CIC",
        "legal_form": "cic_guarantee",
        "stage": "spinning_out",
        "primary_sector": "home_care",
        "other_sectors": ["adult_social_care"],
        "needs": ["governance_boards", "pricing"],
        "region": "north_west",
        "meeting_mode": "remote",
        "goals": "Set up a staff-led board.",
        "consent": "yes",
    }
    form.update(overrides)
    return form


def test_the_mentee_form_registers_a_pending_profile_with_its_consent_time(
    web: TestClient,
    coordinator: dict[str, str],
    mailbox: Mailbox,
    work: Callable[..., Pass],
    session: Session,
) -> None:
    form = web.get("/register/mentee")
    assert form.status_code == 200
    assert '<optgroup label="Social care">' in form.text
    assert "Privacy notice" in form.text
    sent = web.post("/register/mentee", data=_mentee_form(), headers=SAME_SITE)
    assert sent.status_code == 200
    assert "Check your email" in sent.text
    (mentee,) = web.get("/mentees", headers=coordinator).json()["data"]
    assert mentee["status"] == "pending"
    assert mentee["needs"] == [
        {"skill": "governance_boards", "priority": 2},
        {"skill": "pricing", "priority": 2},
    ]
    assert mentee["other_sectors"] == ["adult_social_care"]
    stored = session.get(Mentee, mentee["id"])
    assert stored is not None
    assert stored.consent_at is not None
    # The same answer for a known address, and nothing made.
    again = web.post("/register/mentee", data=_mentee_form(name="Eve"), headers=SAME_SITE)
    assert re.sub(r'nonce="[^"]*"', "", again.text) == re.sub(r'nonce="[^"]*"', "", sent.text)
    assert web.get("/mentees", headers=coordinator).json()["count"] == 1
    work()
    assert [m["Subject"] for m in mailbox.to("alex@example.org")] == [
        "Confirm your email address"
    ] * 2


def test_the_form_refuses_without_consent_or_with_bad_input_and_keeps_what_was_typed(
    web: TestClient, coordinator: dict[str, str]
) -> None:
    refused = web.post(
        "/register/mentee",
        data=_mentee_form(consent="", needs=[], email="not-an-address"),
        headers=SAME_SITE,
    )
    assert refused.status_code == 422
    assert "Confirm that you have read the privacy notice" in refused.text
    assert 'href="#needs"' in refused.text
    assert 'href="#email"' in refused.text
    assert 'value="Riverside Home Care CIC"' in refused.text
    assert web.get("/mentees", headers=coordinator).json()["count"] == 0
    cross = web.post(
        "/register/mentee", data=_mentee_form(), headers={"sec-fetch-site": "cross-site"}
    )
    assert cross.status_code == 403
    assert web.get("/mentees", headers=coordinator).json()["count"] == 0


def test_the_mentor_form_registers_a_pending_mentor(
    web: TestClient, coordinator: dict[str, str]
) -> None:
    assert web.get("/register/mentor").status_code == 200
    sent = web.post(
        "/register/mentor",
        headers=SAME_SITE,
        data={
            "name": "Sam Okafor",
            "email": "sam@example.org",
            "organisation": "Northern Care Mutual",
            "job_title": "Chief executive",
            "kind": "peer",
            "led_spin_out": "yes",
            "years_experience": "18",
            "home_region": "north_west",
            "regions_served": ["yorkshire_humber"],
            "meeting_mode": "either",
            "capacity": "2",
            "sectors": ["adult_social_care", "home_care"],
            "skills": ["governance_boards", "tupe"],
            "legal_forms": ["cic_shares"],
            "consent": "yes",
        },
    )
    assert sent.status_code == 200, sent.text
    (mentor,) = web.get("/mentors", headers=coordinator).json()["data"]
    assert (mentor["status"], mentor["capacity"], mentor["led_spin_out"]) == ("pending", 2, True)
    assert mentor["skills"] == ["governance_boards", "tupe"]


def test_a_participant_changes_their_own_profile_with_the_apis_rules(
    web: TestClient, coordinator: dict[str, str], mailbox: Mailbox, work: Callable[..., Pass]
) -> None:
    mentor = web.post(
        "/mentors", json=mentor_payload(email="edit@example.org"), headers=coordinator
    ).json()["mentor"]
    other = web.post("/mentors", json=mentor_payload(), headers=coordinator).json()["mentor"]
    csrf = _signed_in(web, mailbox, work, "edit@example.org")
    form = web.get("/my/edit")
    assert f'value="{mentor["name"]}"' in form.text
    changes = {
        "name": "Jo Adams",
        "organisation": "Valley Health CIC",
        "job_title": "Director",
        "meeting_mode": "remote",
        "capacity": "3",
    }
    assert web.post("/my/edit", headers=SAME_SITE, data=changes).status_code == 403
    refused = web.post(
        "/my/edit", headers=SAME_SITE, data={**changes, "capacity": "11", "csrf_token": csrf}
    )
    assert refused.status_code == 422
    assert 'href="#capacity"' in refused.text
    assert web.get(f"/mentors/{mentor['id']}", headers=coordinator).json()["capacity"] == 2
    saved = web.post(
        "/my/edit",
        headers=SAME_SITE,
        data={**changes, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    stored = web.get(f"/mentors/{mentor['id']}", headers=coordinator).json()
    assert (stored["name"], stored["capacity"], stored["meeting_mode"]) == ("Jo Adams", 3, "remote")
    # Nobody else changed.
    assert web.get(f"/mentors/{other['id']}", headers=coordinator).json() == other | {
        "updated_at": other["updated_at"]
    }
