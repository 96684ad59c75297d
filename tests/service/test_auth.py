"""Who may call what: anonymous callers, tokens that no longer work, registration."""

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.migrate import head_revision
from service.models import ApiToken, Role, utcnow
from service.security import authenticate, hash_token, issue_token
from tests.factories import bearer, mentee_payload, mentor_payload

PROTECTED = [
    ("get", "/mentors"),
    ("get", "/mentors/1"),
    ("patch", "/mentors/1"),
    ("delete", "/mentors/1"),
    ("get", "/mentees"),
    ("get", "/mentees/1"),
    ("patch", "/mentees/1"),
    ("delete", "/mentees/1"),
    ("get", "/me"),
    ("patch", "/me"),
    ("delete", "/me"),
    ("post", "/taxonomy/skill"),
    ("patch", "/taxonomy/skill/tupe"),
    ("delete", "/taxonomy/skill/tupe"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_anonymous_gets_401_with_a_bearer_challenge(
    client: TestClient, method: str, path: str
) -> None:
    kwargs = {"json": {}} if method in ("post", "patch") else {}
    response = client.request(method, path, **kwargs)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"


def test_open_endpoints_need_no_token(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/health/ready").json() == {
        "status": "ok",
        "database": "ok",
        "schema_revision": head_revision(),
    }
    assert client.get("/taxonomy").status_code == 200
    assert client.get("/openapi.json").status_code == 200


@pytest.mark.parametrize(
    "authorization", ["Bearer mm_not-a-real-token", "Bearer " + "x" * 500, "Bearer mm_"]
)
def test_unknown_token_is_401(client: TestClient, authorization: str) -> None:
    response = client.get("/me", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json()["detail"] == "the token is invalid, expired or revoked"


def test_revoked_and_expired_tokens_stop_working(client: TestClient, session: Session) -> None:
    revoked, revoked_secret = issue_token(session=session, role=Role.coordinator, name="old")
    revoked.revoked_at = utcnow()
    _, expired_secret = issue_token(
        session=session, role=Role.coordinator, expires_at=utcnow() - timedelta(seconds=1)
    )
    _, valid_secret = issue_token(
        session=session, role=Role.coordinator, expires_at=utcnow() + timedelta(days=1)
    )
    session.commit()
    assert client.get("/mentors", headers=bearer(revoked_secret)).status_code == 401
    assert client.get("/mentors", headers=bearer(expired_secret)).status_code == 401
    assert client.get("/mentors", headers=bearer(valid_secret)).status_code == 200


def test_tokens_are_stored_only_as_hashes(
    client: TestClient, session: Session, coordinator: dict[str, str]
) -> None:
    secret = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()["token"]
    assert len(secret) >= 40
    stored = session.exec(select(ApiToken).where(ApiToken.role == Role.mentor.value)).one()
    assert stored.token_hash == hash_token(secret)
    assert secret not in {stored.token_hash, stored.prefix, stored.name}
    principal = authenticate(session=session, secret=secret)
    assert principal is not None
    assert principal.mentor_id == stored.mentor_id


def test_every_registration_gets_a_different_token(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    tokens = {
        client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["token"]
        for _ in range(5)
    }
    assert len(tokens) == 5


def test_closed_registration_refuses_anonymous_but_not_coordinators(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    client.app.state.settings.registration_open = False  # type: ignore[attr-defined]
    refused = client.post("/mentees", json=mentee_payload())
    assert refused.status_code == 403
    assert "registration is closed" in refused.json()["detail"]
    assert client.post("/mentees", headers=coordinator, json=mentee_payload()).status_code == 201
