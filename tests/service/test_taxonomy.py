"""The taxonomy: seeded by the first migration, extended and retired by coordinators."""

from fastapi.testclient import TestClient

from tests.factories import mentee_payload, mentor_payload


def test_default_taxonomy_is_seeded_with_groups(client: TestClient) -> None:
    taxonomy = client.get("/taxonomy").json()
    sizes = {name: len(terms) for name, terms in taxonomy.items()}
    assert sizes == {
        "sector_groups": 3,
        "sectors": 19,
        "skill_groups": 5,
        "skills": 24,
        "regions": 12,
        "legal_forms": 9,
        "stages": 4,
        "mentor_kinds": 2,
    }
    sectors = {term["code"]: term for term in taxonomy["sectors"]}
    assert sectors["adult_social_care"] == {
        "code": "adult_social_care",
        "label": "Adult social care",
        "group": "social_care",
        "retired": False,
    }
    group_codes = {group["code"] for group in taxonomy["skill_groups"]}
    assert all(skill["group"] in group_codes for skill in taxonomy["skills"])
    assert [region["label"] for region in taxonomy["regions"]][-3:] == [
        "Wales",
        "Scotland",
        "Northern Ireland",
    ]


def test_coordinator_adds_a_skill_that_profiles_can_then_use(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    response = client.post(
        "/taxonomy/skill",
        headers=coordinator,
        json={"code": "procurement_law", "label": "Procurement law", "group": "commercial"},
    )
    assert response.status_code == 201, response.text
    assert response.json() == {
        "code": "procurement_law",
        "label": "Procurement law",
        "group": "commercial",
        "retired": False,
    }
    assert (
        client.post(
            "/mentors", json=mentor_payload(skills=["procurement_law"]), headers=coordinator
        ).status_code
        == 201
    )
    duplicate = client.post(
        "/taxonomy/skill",
        headers=coordinator,
        json={"code": "procurement_law", "label": "Again", "group": "commercial"},
    )
    assert duplicate.status_code == 409


def test_new_term_is_validated(client: TestClient, coordinator: dict[str, str]) -> None:
    cases = [
        ("skill", {"code": "x_skill", "label": "X"}, "group", "needs a skill_group"),
        (
            "skill",
            {"code": "x_skill", "label": "X", "group": "nope"},
            "group",
            "unknown skill_group",
        ),
        ("region", {"code": "x_region", "label": "X", "group": "health"}, "group", "have no group"),
        ("region", {"code": "Bad Code", "label": "X"}, "code", "should match pattern"),
        ("region", {"code": "ok", "label": ""}, "label", "at least 1 character"),
    ]
    for vocabulary, body, field, fragment in cases:
        response = client.post(f"/taxonomy/{vocabulary}", headers=coordinator, json=body)
        assert response.status_code == 422, response.text
        error = response.json()["errors"][0]
        assert error["field"] == field
        assert fragment in error["message"]
    unknown = client.post("/taxonomy/planet", headers=coordinator, json={"code": "a", "label": "A"})
    assert unknown.status_code == 422
    assert "'sector_group', 'sector'" in unknown.json()["errors"][0]["message"]


def test_term_in_use_cannot_be_deleted_but_can_be_retired(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    registered = client.post(
        "/mentees", json=mentee_payload(needs=[{"skill": "pensions"}]), headers=coordinator
    )
    mentee_id = registered.json()["mentee"]["id"]

    refused = client.delete("/taxonomy/skill/pensions", headers=coordinator)
    assert refused.status_code == 409
    assert "retire it instead" in refused.json()["detail"]

    retired = client.patch("/taxonomy/skill/pensions", headers=coordinator, json={"retired": True})
    assert retired.json()["retired"] is True

    new_profile = client.post(
        "/mentees", json=mentee_payload(needs=[{"skill": "pensions"}]), headers=coordinator
    )
    assert new_profile.status_code == 422
    assert "retired skill code 'pensions'" in new_profile.json()["errors"][0]["message"]

    # Someone who already had it keeps it while changing other things.
    kept = client.patch(
        f"/mentees/{mentee_id}",
        headers=coordinator,
        json={"needs": [{"skill": "pensions"}, {"skill": "tupe"}]},
    )
    assert kept.status_code == 200, kept.text


def test_group_and_scalar_uses_also_block_deletion(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    assert client.delete("/taxonomy/sector_group/health", headers=coordinator).status_code == 409
    client.post("/mentees", json=mentee_payload(stage="established"), headers=coordinator)
    assert client.delete("/taxonomy/stage/established", headers=coordinator).status_code == 409
    client.post("/mentors", json=mentor_payload(home_region="south_west"), headers=coordinator)
    assert client.delete("/taxonomy/region/south_west", headers=coordinator).status_code == 409


def test_unused_term_is_deleted(client: TestClient, coordinator: dict[str, str]) -> None:
    assert client.delete("/taxonomy/legal_form/other", headers=coordinator).status_code == 204
    codes = [term["code"] for term in client.get("/taxonomy").json()["legal_forms"]]
    assert "other" not in codes
    assert client.delete("/taxonomy/legal_form/other", headers=coordinator).status_code == 404


def test_anonymous_may_read_but_not_change_the_taxonomy(client: TestClient) -> None:
    assert client.get("/taxonomy").status_code == 200
    body = {"code": "x", "label": "X"}
    assert client.post("/taxonomy/region", json=body).status_code == 401
    assert client.delete("/taxonomy/region/london").status_code == 401
