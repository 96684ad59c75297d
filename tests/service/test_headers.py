"""Security headers: every answer refuses framing and sniffing; pages say what they may load."""

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/health", "/taxonomy", "/openapi.json", "/docs", "/redoc"])
def test_every_answer_refuses_framing_and_sniffing(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_json_answers_may_load_nothing(client: TestClient) -> None:
    policy = client.get("/taxonomy").headers["content-security-policy"]
    assert policy.startswith("default-src 'none'")


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_may_load_only_from_the_app(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    assert policy.startswith("default-src 'self';")
    assert "http" not in policy


def test_an_error_answer_has_the_headers_too(client: TestClient) -> None:
    response = client.get("/mentors/1")
    assert response.status_code == 401
    assert response.headers["x-frame-options"] == "DENY"
