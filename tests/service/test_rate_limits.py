"""Anonymous registration is rate-limited per client address; coordinators never are.

Anonymous registrations are answered 202 (see test_registration.py); coordinators' 201.
"""

from ipaddress import ip_network

import pytest
from fastapi.testclient import TestClient

from service.api.ratelimit import RateLimiter
from service.config import Settings
from service.main import create_app
from tests.factories import mentee_payload, mentor_payload

BURST = 3


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The app of this module's ``client``: a small burst, refilled slowly."""
    return Settings(
        database_url=database_url,
        registration_open=True,
        rate_limit_per_minute=6,
        rate_limit_burst=BURST,
        trusted_proxies=[ip_network("10.0.0.0/8")],
    )


def _from(client: TestClient, host: str) -> TestClient:
    """Another client of the same app, connecting from ``host``."""
    return TestClient(client.app, client=(host, 40000))


def _register(client: TestClient, **headers: str) -> int:
    return client.post("/mentees", json=mentee_payload(), headers=headers).status_code


def test_anonymous_registrations_past_the_burst_get_429_with_retry_after(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    before = client.get("/mentees", headers=coordinator).json()["count"]
    assert [_register(client) for _ in range(BURST)] == [202] * BURST

    refused = client.post("/mentors", json=mentor_payload())
    assert refused.status_code == 429
    # One request every 10 s (6 a minute).
    assert refused.headers["Retry-After"] == "10"
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert "try again in 10 s" in body["detail"]
    assert client.get("/mentees", headers=coordinator).json()["count"] == before + BURST
    assert client.get("/mentors", headers=coordinator).json()["count"] == 0


def test_coordinators_are_never_limited(client: TestClient, coordinator: dict[str, str]) -> None:
    while _register(client) != 429:
        pass
    assert [_register(client, **coordinator) for _ in range(BURST * 2)] == [201] * (BURST * 2)
    # Anonymous callers from the same address are still held back.
    assert _register(client) == 429


def test_each_client_address_has_its_own_bucket(client: TestClient) -> None:
    first, second = _from(client, "198.51.100.7"), _from(client, "198.51.100.8")
    assert [_register(first) for _ in range(BURST + 1)] == [202] * BURST + [429]
    assert _register(second) == 202
    # IPv6 clients are counted by their /64: another address in it shares the bucket.
    assert [_register(_from(client, "2001:db8:1:2::1")) for _ in range(BURST)] == [202] * BURST
    assert _register(_from(client, "2001:db8:1:2::ffff")) == 429
    assert _register(_from(client, "2001:db8:1:3::1")) == 202


def test_x_forwarded_for_is_believed_from_trusted_proxies_only(client: TestClient) -> None:
    proxy, stranger = _from(client, "10.1.2.3"), _from(client, "192.0.2.50")
    # Behind the trusted proxy, each client is counted on its own.
    for address in ("203.0.113.1", "203.0.113.2"):
        forwarded = {"X-Forwarded-For": f"198.18.0.1, {address}"}
        assert [_register(proxy, **forwarded) for _ in range(BURST + 1)] == [202] * BURST + [429]
    # A client that is not a proxy cannot escape its bucket by claiming another address.
    spoofed = [_register(stranger, **{"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(9)]
    assert spoofed == [202] * BURST + [429] * (9 - BURST)


def test_a_limit_of_zero_turns_it_off(client: TestClient, settings: Settings) -> None:
    unlimited = create_app(settings.model_copy(update={"rate_limit_per_minute": 0}))
    assert unlimited.state.rate_limiter is None
    client.app.state.rate_limiter = unlimited.state.rate_limiter
    assert [_register(client) for _ in range(BURST * 3)] == [202] * (BURST * 3)


def test_the_limit_is_documented_on_registration(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/mentors", "/mentees"):
        refused = paths[path]["post"]["responses"]["429"]
        assert "Retry-After" in refused["headers"]


def test_a_bucket_refills_at_the_rate_and_holds_no_more_than_the_burst() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=30, burst=2, clock=lambda: now[0], max_clients=2)
    assert [limiter.take("a"), limiter.take("a")] == [0, 0]
    assert limiter.take("a") == pytest.approx(2.0)  # 30 a minute: one every 2 s
    now[0] = 1.0
    assert limiter.take("a") == pytest.approx(1.0)
    now[0] = 2.0
    assert limiter.take("a") == 0
    now[0] = 1000.0  # a long pause refills no more than the burst
    assert [limiter.take("a"), limiter.take("a")] == [0, 0]
    assert limiter.take("a") > 0
    # Beyond max_clients, the least recently seen client is forgotten.
    limiter.take("b")
    limiter.take("c")
    assert [limiter.take("a"), limiter.take("a")] == [0, 0]


def test_the_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="rate_limit_burst"):
        Settings(rate_limit_burst=0)
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies="somewhere")  # type: ignore[arg-type]
    assert Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxies == [  # type: ignore[arg-type]
        ip_network("10.0.0.0/8"),
        ip_network("::1"),
    ]
    assert Settings(rate_limit_per_minute=0).rate_limit_per_minute == 0
