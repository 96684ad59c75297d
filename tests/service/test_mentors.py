"""Mentors through the API: registration, the coordinator's register, validation."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, mentor_payload


def register(
    client: TestClient, coordinator: dict[str, str], **overrides: object
) -> dict[str, object]:
    response = client.post("/mentors", json=mentor_payload(**overrides), headers=coordinator)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_self_registration_returns_profile_and_token_once(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    body = register(client, coordinator, email="  Ada.Mentor@Example.ORG ")
    mentor = body["mentor"]
    assert isinstance(mentor, dict)
    assert mentor["email"] == "ada.mentor@example.org"
    assert mentor["status"] == "active"
    assert mentor["skills"] == ["governance_boards", "bid_writing", "tupe"]
    assert str(body["token"]).startswith("mm_")
    me = client.get("/me", headers=bearer(str(body["token"])))
    assert me.json()["mentor"]["id"] == mentor["id"]


def test_coordinator_reads_updates_and_deletes_a_mentor(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor_id = register(client, coordinator)["mentor"]["id"]  # type: ignore[index]
    read = client.get(f"/mentors/{mentor_id}", headers=coordinator)
    assert read.status_code == 200
    assert read.json()["capacity"] == 2

    updated = client.patch(
        f"/mentors/{mentor_id}",
        headers=coordinator,
        json={"capacity": 4, "status": "paused", "skills": ["pricing"]},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["capacity"], body["status"], body["skills"]) == (4, "paused", ["pricing"])
    assert body["sectors"] == ["adult_social_care", "home_care"]
    assert body["updated_at"] >= body["created_at"]

    assert client.delete(f"/mentors/{mentor_id}", headers=coordinator).status_code == 204
    assert client.get(f"/mentors/{mentor_id}", headers=coordinator).status_code == 404


def test_update_can_empty_an_optional_list(client: TestClient, coordinator: dict[str, str]) -> None:
    mentor_id = register(client, coordinator)["mentor"]["id"]  # type: ignore[index]
    response = client.patch(
        f"/mentors/{mentor_id}", headers=coordinator, json={"legal_forms": None, "name": None}
    )
    assert response.status_code == 200
    assert response.json()["legal_forms"] == []
    assert response.json()["name"].startswith("Mentor ")


@pytest.mark.parametrize("email", ["dup@example.org", "DUP@Example.org"])
def test_duplicate_email_gets_409_and_changes_nothing(
    client: TestClient, coordinator: dict[str, str], email: str
) -> None:
    register(client, coordinator, email="dup@example.org")
    before = client.get("/mentors", headers=coordinator).json()["count"]
    response = client.post("/mentors", json=mentor_payload(email=email), headers=coordinator)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert client.get("/mentors", headers=coordinator).json()["count"] == before


def test_changing_email_to_anothers_gets_409(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    register(client, coordinator, email="taken@example.org")
    mentor_id = register(client, coordinator)["mentor"]["id"]  # type: ignore[index]
    response = client.patch(
        f"/mentors/{mentor_id}", headers=coordinator, json={"email": "Taken@example.org"}
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        (
            {"skills": ["governance_boards", "astrology"]},
            "skills[1]",
            "unknown skill code 'astrology'",
        ),
        ({"sectors": ["moon_base"]}, "sectors[0]", "valid codes: community_health"),
        ({"home_region": "atlantis"}, "home_region", "unknown region code 'atlantis'"),
        ({"kind": "guru"}, "kind", "valid codes: peer, specialist"),
        ({"legal_forms": ["llp"]}, "legal_forms[0]", "unknown legal_form code 'llp'"),
        ({"capacity": 0}, "capacity", "greater than or equal to 1"),
        ({"capacity": 11}, "capacity", "less than or equal to 10"),
        ({"email": "not-an-email"}, "email", "email"),
        ({"skills": []}, "skills", "at least 1 item"),
        ({"skills": ["pricing"] * 2}, "skills", "repeated: pricing"),
        ({"skills": [f"s{i}" for i in range(13)]}, "skills", "at most 12 items"),
        ({"name": ""}, "name", "at least 1 character"),
        ({"name": "x" * 201}, "name", "at most 200 characters"),
        ({"meeting_mode": "carrier_pigeon"}, "meeting_mode", "'in_person', 'remote' or 'either'"),
        ({"years_experience": -1}, "years_experience", "greater than or equal to 0"),
        ({"status": "paused"}, "status", "Extra inputs are not permitted"),
        ({"kind": None}, "kind", "valid string"),
    ],
)
def test_invalid_mentor_gets_422_naming_the_field(
    client: TestClient,
    coordinator: dict[str, str],
    overrides: dict[str, object],
    field: str,
    fragment: str,
) -> None:
    response = client.post("/mentors", json=mentor_payload(**overrides))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors
    assert client.get("/mentors", headers=coordinator).json()["count"] == 0


def test_missing_required_field_is_named(client: TestClient) -> None:
    payload = mentor_payload()
    del payload["home_region"]
    response = client.post("/mentors", json=payload)
    assert response.status_code == 422
    assert {"field": "home_region", "message": "Field required"} in response.json()["errors"]


def test_list_filters_and_searches(client: TestClient, coordinator: dict[str, str]) -> None:
    register(
        client, coordinator, name="Grace Hopper", sectors=["mental_health"], skills=["pricing"]
    )
    register(
        client,
        coordinator,
        organisation="Hopper & Sons 100%",
        home_region="london",
        kind="specialist",
    )
    register(client, coordinator, regions_served=["wales"], skills=["tupe"])

    def ids(**params: object) -> list[str]:
        response = client.get("/mentors", headers=coordinator, params=params)
        assert response.status_code == 200, response.text
        return [mentor["name"] for mentor in response.json()["data"]]

    assert len(ids()) == 3
    assert ids(sector="mental_health") == ["Grace Hopper"]
    assert ids(skill="tupe")
    assert "Grace Hopper" not in ids(skill="tupe")
    assert len(ids(region="london")) == 1
    assert len(ids(region="wales")) == 1
    assert len(ids(kind="specialist")) == 1
    assert len(ids(q="hopper")) == 2
    assert len(ids(q="100%")) == 1
    assert ids(q="_") == []
    assert ids(status="paused") == []


def test_pagination_reports_total_and_respects_bounds(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    names = [register(client, coordinator)["mentor"]["name"] for _ in range(5)]  # type: ignore[index]
    page = client.get("/mentors", headers=coordinator, params={"limit": 2, "offset": 3}).json()
    assert page["count"] == 5
    assert [mentor["name"] for mentor in page["data"]] == names[3:5]

    for params, field in [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
    ]:
        response = client.get("/mentors", headers=coordinator, params=params)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
    bad_status = client.get("/mentors", headers=coordinator, params={"status": "asleep"})
    assert bad_status.status_code == 422
    assert "'active', 'paused' or 'withdrawn'" in bad_status.json()["errors"][0]["message"]


def test_unknown_mentor_is_404(client: TestClient, coordinator: dict[str, str]) -> None:
    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"capacity": 2}} if method == "patch" else {}
        response = client.request(method, "/mentors/999999", headers=coordinator, **kwargs)
        assert response.status_code == 404
        assert response.json() == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
            "detail": "no mentor with id 999999",
            "code": "not_found",
            "errors": [],
        }
