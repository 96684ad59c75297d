"""Mentees through the API: registration, the coordinator's register, validation."""

import pytest
from fastapi.testclient import TestClient

from tests.factories import mentee_payload


def register(
    client: TestClient, coordinator: dict[str, str], **overrides: object
) -> dict[str, object]:
    response = client.post("/mentees", json=mentee_payload(**overrides), headers=coordinator)
    assert response.status_code == 201, response.text
    mentee: dict[str, object] = response.json()["mentee"]
    return mentee


def test_registration_stores_needs_with_priorities_in_order(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee = register(
        client,
        coordinator,
        needs=[{"skill": "tupe", "priority": 3}, {"skill": "pricing"}, {"skill": "pensions"}],
    )
    assert mentee["needs"] == [
        {"skill": "tupe", "priority": 3},
        {"skill": "pricing", "priority": 2},
        {"skill": "pensions", "priority": 2},
    ]
    assert mentee["status"] == "waiting"
    assert mentee["other_sectors"] == ["home_care"]


def test_coordinator_updates_needs_and_status(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee_id = register(client, coordinator)["id"]
    response = client.patch(
        f"/mentees/{mentee_id}",
        headers=coordinator,
        json={"needs": [{"skill": "pricing", "priority": 3}], "status": "withdrawn"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["needs"] == [{"skill": "pricing", "priority": 3}]
    assert body["status"] == "withdrawn"
    assert client.get(f"/mentees/{mentee_id}", headers=coordinator).json() == body


def test_delete_removes_the_mentee(client: TestClient, coordinator: dict[str, str]) -> None:
    mentee_id = register(client, coordinator)["id"]
    assert client.delete(f"/mentees/{mentee_id}", headers=coordinator).status_code == 204
    assert client.get(f"/mentees/{mentee_id}", headers=coordinator).status_code == 404
    assert client.get("/mentees", headers=coordinator).json()["count"] == 0


@pytest.mark.parametrize("email", ["same@example.org", "Same@EXAMPLE.org "])
def test_duplicate_email_gets_409(
    client: TestClient, email: str, coordinator: dict[str, str]
) -> None:
    register(client, coordinator, email="same@example.org")
    assert (
        client.post("/mentees", json=mentee_payload(email=email), headers=coordinator).status_code
        == 409
    )


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"needs": []}, "needs", "at least 1 item"),
        ({"needs": [{"skill": f"s{i}"} for i in range(9)]}, "needs", "at most 8 items"),
        (
            {"needs": [{"skill": "tupe", "priority": 4}]},
            "needs[0].priority",
            "less than or equal to 3",
        ),
        (
            {"needs": [{"skill": "tupe", "priority": 0}]},
            "needs[0].priority",
            "greater than or equal to 1",
        ),
        ({"needs": [{"skill": "tupe"}, {"skill": "tupe"}]}, "needs", "repeated: tupe"),
        (
            {"needs": [{"skill": "tupe"}, {"skill": "juggling"}]},
            "needs[1].skill",
            "unknown skill code 'juggling'",
        ),
        (
            {"stage": "unicorn"},
            "stage",
            "valid codes: exploring, spinning_out, spun_out, established",
        ),
        ({"legal_form": "plc"}, "legal_form", "unknown legal_form code 'plc'"),
        ({"primary_sector": "mining"}, "primary_sector", "unknown sector code 'mining'"),
        ({"region": "mars"}, "region", "unknown region code 'mars'"),
        (
            {"other_sectors": ["adult_social_care"]},
            "other_sectors",
            "must not repeat the primary sector",
        ),
        ({"other_sectors": ["housing"] * 2}, "other_sectors", "repeated: housing"),
        ({"goals": "g" * 2001}, "goals", "at most 2000 characters"),
        ({"email": "a@b"}, "email", "email"),
        ({"organisation": "   "}, "organisation", "at least 1 character"),
        ({"runs_waited": 5}, "runs_waited", "Extra inputs are not permitted"),
    ],
)
def test_invalid_mentee_gets_422_naming_the_field(
    client: TestClient,
    coordinator: dict[str, str],
    overrides: dict[str, object],
    field: str,
    fragment: str,
) -> None:
    response = client.post("/mentees", json=mentee_payload(**overrides))
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors
    assert client.get("/mentees", headers=coordinator).json()["count"] == 0


def test_list_filters_by_sector_skill_region_stage_status_and_text(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    register(
        client, coordinator, name="Ada", primary_sector="housing", other_sectors=[], region="london"
    )
    register(client, coordinator, name="Bea", other_sectors=["housing"], stage="exploring")
    register(
        client,
        coordinator,
        name="Cy",
        needs=[{"skill": "tupe"}],
        organisation="Cy's Library Mutual",
    )

    def names(**params: object) -> list[str]:
        response = client.get("/mentees", headers=coordinator, params=params)
        assert response.status_code == 200, response.text
        return [mentee["name"] for mentee in response.json()["data"]]

    assert names(sector="housing") == ["Ada", "Bea"]
    assert names(skill="tupe") == ["Cy"]
    assert names(region="london") == ["Ada"]
    assert names(stage="exploring") == ["Bea"]
    assert names(status="waiting") == ["Ada", "Bea", "Cy"]
    assert names(q="LIBRARY") == ["Cy"]
