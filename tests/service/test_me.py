"""A participant's own profile through /me, and nobody else's."""

from fastapi.testclient import TestClient

from tests.factories import bearer, mentee_payload, mentor_payload


def register(
    client: TestClient, coordinator: dict[str, str], kind: str, **overrides: object
) -> tuple[int, dict[str, str]]:
    payload = mentor_payload(**overrides) if kind == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{kind}s", json=payload, headers=coordinator)
    assert response.status_code == 201, response.text
    body = response.json()
    return body[kind]["id"], bearer(body["token"])


def test_mentee_reads_and_updates_own_profile(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee_id, headers = register(client, coordinator, "mentee")
    me = client.get("/me", headers=headers).json()
    assert (me["role"], me["mentee"]["id"], me["mentor"]) == ("mentee", mentee_id, None)

    response = client.patch(
        "/me", headers=headers, json={"goals": "Win the re-tender.", "needs": [{"skill": "tupe"}]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["mentee"]["goals"] == "Win the re-tender."
    assert response.json()["mentee"]["needs"] == [{"skill": "tupe", "priority": 2}]


def test_participant_cannot_set_coordinator_only_fields(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    _, mentor_headers = register(client, coordinator, "mentor")
    _, mentee_headers = register(client, coordinator, "mentee")
    for headers, field, value in [
        (mentor_headers, "status", "paused"),
        (mentee_headers, "status", "paired"),
        (mentee_headers, "runs_waited", 9),
        (mentor_headers, "id", 1),
    ]:
        response = client.patch("/me", headers=headers, json={field: value})
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": field, "message": "Extra inputs are not permitted"}
        ]
    assert client.get("/me", headers=mentor_headers).json()["mentor"]["status"] == "active"
    assert client.get("/me", headers=mentee_headers).json()["mentee"]["status"] == "waiting"


def test_mentor_update_is_checked_against_the_taxonomy(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    _, headers = register(client, coordinator, "mentor")
    response = client.patch("/me", headers=headers, json={"skills": ["pricing", "alchemy"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "skills[1]"
    bad_body = client.patch("/me", headers=headers, json=["not", "an", "object"])
    assert bad_body.status_code == 422


def test_participant_cannot_reach_anyone_elses_data(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor_id, mentor_headers = register(client, coordinator, "mentor")
    other_id, _ = register(client, coordinator, "mentor")
    mentee_id, mentee_headers = register(client, coordinator, "mentee")
    for headers in (mentor_headers, mentee_headers):
        for method, path in [
            ("get", "/mentors"),
            ("get", "/mentees"),
            ("get", f"/mentors/{other_id}"),
            ("get", f"/mentors/{mentor_id}"),
            ("get", f"/mentees/{mentee_id}"),
            ("patch", f"/mentors/{other_id}"),
            ("delete", f"/mentors/{other_id}"),
            ("delete", f"/mentees/{mentee_id}"),
            ("post", "/taxonomy/skill"),
        ]:
            kwargs = {"json": {}} if method in ("patch", "post") else {}
            response = client.request(method, path, headers=headers, **kwargs)
            assert response.status_code == 403, (method, path, response.text)
            assert "email" not in response.text


def test_participant_cannot_register_a_second_profile(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    _, headers = register(client, coordinator, "mentee")
    response = client.post("/mentors", headers=headers, json=mentor_payload())
    assert response.status_code == 403


def test_delete_me_removes_profile_and_token(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor_id, headers = register(client, coordinator, "mentor")
    assert client.delete("/me", headers=headers).status_code == 204
    assert client.get("/me", headers=headers).status_code == 401
    assert client.get(f"/mentors/{mentor_id}", headers=coordinator).status_code == 404


def test_coordinator_has_no_profile_to_change(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    assert client.get("/me", headers=coordinator).json() == {
        "role": "coordinator",
        "mentor": None,
        "mentee": None,
    }
    assert client.patch("/me", headers=coordinator, json={"name": "x"}).status_code == 403
    assert client.delete("/me", headers=coordinator).status_code == 403
