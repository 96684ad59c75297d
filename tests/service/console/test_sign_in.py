"""Signing in and out, and the life of a console session."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from service.console.auth import COOKIE_NAME, safe_next
from service.console.pages.sign_in import PARTICIPANT_TOKEN, UNKNOWN_TOKEN
from service.models import ApiToken, ConsoleSession, utcnow
from service.security import hash_token
from tests.factories import mentee_payload
from tests.service.console.conftest import (
    ConsoleClient,
    error_messages,
    sign_in,
    summary_errors,
    title_of,
)

PAGES = [
    "/console",
    "/console/taxonomy",
    "/console/taxonomy/sector/new",
    "/console/taxonomy/sector/home_care/label",
    "/console/exclusions",
    "/console/exclusions/new",
    "/console/exclusions/1/lift",
]


def test_the_site_root_sends_visitors_to_the_console(browser: TestClient) -> None:
    response = browser.get("/")
    assert response.status_code in (303, 307)
    assert response.headers["location"] == "/console"


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back(
    browser: TestClient, path: str
) -> None:
    response = browser.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in?next=")
    back = browser.get(response.headers["location"])
    assert back.status_code == 200
    assert f'name="next" value="{path}"' in back.text


def test_the_sign_in_page_asks_for_the_token_and_shows_no_navigation(
    browser: TestClient,
) -> None:
    page = browser.get("/console/sign-in")
    assert page.status_code == 200
    assert title_of(page.text) == "Sign in – mentormatch"
    assert 'name="token"' in page.text
    assert "Sign out" not in page.text
    assert "govuk-header__logotype" not in page.text  # not a GOV.UK service: no crown


def test_a_coordinator_token_opens_a_session_held_only_as_a_hash(
    console: ConsoleClient, session: Session
) -> None:
    cookie = console.client.cookies[COOKIE_NAME]
    stored = session.exec(select(ConsoleSession)).all()
    assert [row.session_hash for row in stored] == [hash_token(cookie)]
    assert stored[0].api_token_id == console.token_id
    assert stored[0].expires_at - stored[0].created_at == timedelta(hours=12)
    page = console.get("/console")
    assert title_of(page.text) == "Dashboard – mentormatch"
    assert "Sign out" in page.text


def test_the_session_cookie_is_http_only_lax_and_scoped_to_the_console(
    browser: TestClient, coordinator_token: tuple[int, str]
) -> None:
    response = sign_in(browser, coordinator_token[1])
    assert response.headers["location"] == "/console"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/console" in cookie
    assert "secure" not in cookie  # plain http: a Secure cookie would never come back


def test_the_session_cookie_is_secure_over_https(
    browser: TestClient, coordinator_token: tuple[int, str]
) -> None:
    response = browser.post(
        "https://testserver/console/sign-in", data={"token": coordinator_token[1]}
    )
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("next_path", "destination"),
    [
        ("/console/taxonomy", "/console/taxonomy"),
        ("/console/exclusions?page=2", "/console/exclusions?page=2"),
        ("https://elsewhere.example/console", "/console"),
        ("//elsewhere.example/console", "/console"),
        ("/\\elsewhere.example/console", "/console"),
        ("/docs", "/console"),
        ("/consoleevil", "/console"),
        ("javascript:alert(1)", "/console"),
        ("/console/\r\nSet-Cookie: x=1", "/console"),
        ("/console/../docs", "/console"),
        ("/console/%2e%2e/docs", "/console"),
    ],
)
def test_sign_in_returns_only_to_a_console_page(
    browser: TestClient, coordinator_token: tuple[int, str], next_path: str, destination: str
) -> None:
    response = browser.post(
        "/console/sign-in", data={"token": coordinator_token[1], "next": next_path}
    )
    assert response.status_code == 303
    assert response.headers["location"] == destination


def test_safe_next_keeps_console_paths_only() -> None:
    assert safe_next("/console") == "/console"
    assert safe_next("/console/taxonomy#sector") == "/console/taxonomy#sector"
    assert safe_next(None) is None
    assert safe_next("/console/" + "x" * 3000) is None


@pytest.mark.parametrize(
    ("token", "message"),
    [("", "Enter your coordinator token"), ("mm_not-a-real-token", UNKNOWN_TOKEN)],
    ids=["empty", "unknown"],
)
def test_a_wrong_token_is_refused_beside_the_field(
    browser: TestClient, session: Session, token: str, message: str
) -> None:
    response = browser.post("/console/sign-in", data={"token": token})
    assert response.status_code == 422
    assert title_of(response.text) == "Error: Sign in – mentormatch"
    assert error_messages(response.text) == [f"Error: {message}"]
    assert summary_errors(response.text) == [f"Token: {message}"]
    assert COOKIE_NAME not in response.cookies
    assert session.exec(select(ConsoleSession)).all() == []


def test_a_participant_token_cannot_open_the_console(
    client: TestClient, browser: TestClient, session: Session, coordinator: dict[str, str]
) -> None:
    participant = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()[
        "token"
    ]
    response = browser.post("/console/sign-in", data={"token": participant})
    assert response.status_code == 403
    assert error_messages(response.text) == [f"Error: {PARTICIPANT_TOKEN}"]
    assert session.exec(select(ConsoleSession)).all() == []
    assert browser.get("/console").status_code == 303


def test_a_form_posted_from_another_site_cannot_sign_in(
    browser: TestClient, coordinator_token: tuple[int, str], session: Session
) -> None:
    response = browser.post(
        "/console/sign-in",
        data={"token": coordinator_token[1]},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    assert session.exec(select(ConsoleSession)).all() == []


def test_revoking_the_token_ends_its_sessions_at_once(
    console: ConsoleClient, session: Session
) -> None:
    token = session.get(ApiToken, console.token_id)
    assert token is not None
    token.revoked_at = utcnow()
    session.add(token)
    session.commit()
    response = console.get("/console/taxonomy")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?next=%2Fconsole%2Ftaxonomy"


def test_a_token_that_expires_ends_its_sessions(console: ConsoleClient, session: Session) -> None:
    session.execute(
        update(ApiToken)
        .where(col(ApiToken.id) == console.token_id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()
    assert console.get("/console").status_code == 303


def test_an_idle_session_ends(console: ConsoleClient, session: Session) -> None:
    session.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(minutes=59)))
    session.commit()
    assert console.get("/console").status_code == 200  # and seen again now
    session.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(minutes=61)))
    session.commit()
    assert console.get("/console").status_code == 303


def test_a_session_ends_at_its_absolute_limit_however_busy(
    console: ConsoleClient, session: Session
) -> None:
    session.execute(update(ConsoleSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert console.get("/console").status_code == 303


def test_using_the_console_keeps_the_session_alive(
    console: ConsoleClient, session: Session
) -> None:
    long_ago = utcnow() - timedelta(minutes=30)
    session.execute(update(ConsoleSession).values(last_seen_at=long_ago))
    session.commit()
    assert console.get("/console").status_code == 200
    session.expire_all()
    seen = session.exec(select(ConsoleSession.last_seen_at)).one()
    assert seen > long_ago + timedelta(minutes=29)


def test_sign_out_deletes_the_session_and_the_cookie(
    console: ConsoleClient, session: Session
) -> None:
    cookie = console.client.cookies[COOKIE_NAME]
    response = console.post("/console/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in?signed-out"
    assert f'{COOKIE_NAME}=""' in response.headers["set-cookie"]
    assert session.exec(select(ConsoleSession)).all() == []
    assert "You have signed out" in console.get(response.headers["location"]).text
    # The old cookie, replayed, opens nothing.
    console.client.cookies.set(COOKIE_NAME, cookie, path="/console")
    assert console.get("/console").status_code == 303


def test_sign_out_without_the_csrf_token_is_refused(
    console: ConsoleClient, session: Session
) -> None:
    response = console.client.post("/console/sign-out")
    assert response.status_code == 403
    assert len(session.exec(select(ConsoleSession)).all()) == 1


def test_signing_in_again_replaces_the_session(
    console: ConsoleClient, coordinator_token: tuple[int, str], session: Session
) -> None:
    first = console.client.cookies[COOKIE_NAME]
    assert sign_in(console.client, coordinator_token[1]).status_code == 303
    second = console.client.cookies[COOKIE_NAME]
    assert second != first
    stored = session.exec(select(ConsoleSession.session_hash)).all()
    assert stored == [hash_token(second)]


def test_sign_in_page_sends_a_signed_in_coordinator_on(console: ConsoleClient) -> None:
    response = console.get("/console/sign-in?next=/console/taxonomy")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/taxonomy"
