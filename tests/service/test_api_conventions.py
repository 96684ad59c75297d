"""What API clients rely on: operation ids, tags, Location, Link pages, ETag and If-Match."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.models import Role
from service.security import issue_token
from tests.factories import bearer, mentee_payload, mentor_payload

VERBS = {
    "list",
    "create",
    "read",
    "update",
    "delete",
    "export",
    "import",
    "ready",
    "end",
    "approve",
}


def _operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get("/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_every_operation_id_is_its_tag_then_a_verb_and_unique(client: TestClient) -> None:
    ids = []
    for method, path, operation in _operations(client):
        (tag,) = operation["tags"]
        slug = "-".join(tag.split())
        operation_id = operation["operationId"]
        assert re.fullmatch(rf"{slug}(-[a-z]+)+", operation_id), (method, path, operation_id)
        verb = operation_id.removeprefix(f"{slug}-").split("-")
        assert verb[0] in VERBS or len(verb) > 1, (method, path, operation_id)
        ids.append(operation_id)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert {"mentors-list", "mentors-create", "me-read", "match-runs-accept-proposals"} <= set(ids)


def test_every_tag_is_described_in_plain_english(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    used = {tag for _, _, operation in _operations(client) for tag in operation["tags"]}
    assert used == set(described)
    for name, description in described.items():
        assert description.endswith("."), name
        assert len(description.split()) >= 8, name
        assert "_" not in description, f"{name}: a code, not English"


def _location(response: Any) -> str:
    assert response.status_code == 201, response.text
    location: str = response.headers["Location"]
    assert location.startswith("/"), location
    return location


def test_each_201_answer_says_where_the_new_resource_is(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = client.post("/mentors", json=mentor_payload(capacity=3), headers=coordinator)
    mentor_id = mentor.json()["mentor"]["id"]
    assert _location(mentor) == f"/mentors/{mentor_id}"
    mentee = client.post("/mentees", json=mentee_payload(), headers=coordinator)
    mentee_id = mentee.json()["mentee"]["id"]
    assert _location(mentee) == f"/mentees/{mentee_id}"
    other = client.post("/mentees", headers=coordinator, json=mentee_payload()).json()
    created = {
        "mentor": (_location(mentor), mentor.json()["mentor"]),
        "mentee": (_location(mentee), mentee.json()["mentee"]),
    }
    for name, response in {
        "pairing": client.post(
            "/pairings", headers=coordinator, json={"mentee_id": mentee_id, "mentor_id": mentor_id}
        ),
        "exclusion": client.post(
            "/exclusions",
            headers=coordinator,
            json={"mentee_id": other["mentee"]["id"], "mentor_id": mentor_id},
        ),
        "term": client.post(
            "/taxonomy/sector",
            headers=coordinator,
            json={"code": "social_prescribing", "label": "Social prescribing", "group": "health"},
        ),
        "run": client.post("/match-runs", headers=coordinator, json={}),
    }.items():
        created[name] = (_location(response), response.json())
    assert created["term"][0] == "/taxonomy/sector/social_prescribing"
    assert created["run"][0] == f"/match-runs/{created['run'][1]['id']}"
    for name, (location, body) in created.items():
        read = client.get(location, headers=coordinator)
        assert read.status_code == 200, (name, read.text)
        key = "code" if name == "term" else "id"
        assert read.json()[key] == body[key], name


def test_lists_link_to_their_first_previous_next_and_last_pages(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    for _ in range(5):
        client.post("/mentees", headers=coordinator, json=mentee_payload(region="east_midlands"))
    middle = client.get("/mentees?region=east_midlands&limit=2&offset=2", headers=coordinator)
    assert middle.json()["count"] == 5
    assert set(middle.json()) == {"data", "count"}
    links = {rel: link["url"] for rel, link in middle.links.items()}
    assert links == {
        "first": "/mentees?region=east_midlands&limit=2&offset=0",
        "prev": "/mentees?region=east_midlands&limit=2&offset=0",
        "next": "/mentees?region=east_midlands&limit=2&offset=4",
        "last": "/mentees?region=east_midlands&limit=2&offset=4",
    }
    seen = [mentee["id"] for mentee in middle.json()["data"]]
    last = client.get(links["next"], headers=coordinator)
    seen += [mentee["id"] for mentee in last.json()["data"]]
    assert len(set(seen)) == 3
    assert set(last.links) == {"first", "prev", "last"}
    first = client.get(links["first"], headers=coordinator)
    assert set(first.links) == {"first", "next", "last"}
    # Every list pages the same way.
    for path in ("/mentors", "/match-runs", "/pairings", "/exclusions"):
        assert set(client.get(f"{path}?limit=1", headers=coordinator).links) >= {"first", "last"}


@pytest.fixture
def second_coordinator(session: Session) -> dict[str, str]:
    _, secret = issue_token(session=session, role=Role.coordinator, name="Second coordinator")
    session.commit()
    return bearer(secret)


@pytest.mark.parametrize("kind", ["mentor", "mentee"])
def test_two_coordinators_cannot_overwrite_each_other_unseen(
    client: TestClient,
    coordinator: dict[str, str],
    second_coordinator: dict[str, str],
    kind: str,
) -> None:
    payload = mentor_payload() if kind == "mentor" else mentee_payload()
    created = client.post(f"/{kind}s", headers=coordinator, json=payload).json()[kind]
    path = f"/{kind}s/{created['id']}"
    first_read = client.get(path, headers=coordinator)
    second_read = client.get(path, headers=second_coordinator)
    tag = first_read.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    assert second_read.headers["ETag"] == tag

    first_edit = client.patch(
        path, headers={**coordinator, "If-Match": tag}, json={"name": "Edited by the first"}
    )
    assert first_edit.status_code == 200, first_edit.text
    assert first_edit.headers["ETag"] != tag
    assert client.get(path, headers=coordinator).headers["ETag"] == first_edit.headers["ETag"]

    stale = client.patch(
        path,
        headers={**second_coordinator, "If-Match": second_read.headers["ETag"]},
        json={"name": "Edited by the second"},
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["code"] == "precondition_failed"
    assert first_edit.headers["ETag"] in stale.json()["detail"]
    assert client.get(path, headers=coordinator).json()["name"] == "Edited by the first"

    # Read again, then the edit goes through; "*" and a list of tags match too.
    fresh = client.get(path, headers=second_coordinator).headers["ETag"]
    for if_match in (f'"0", {fresh}', "*"):
        again = client.patch(
            path, headers={**second_coordinator, "If-Match": if_match}, json={"name": "Second"}
        )
        assert again.status_code == 200, again.text
        fresh = again.headers["ETag"]
    # A weak tag never matches for an edit; no If-Match at all still edits.
    weak = client.patch(
        path, headers={**coordinator, "If-Match": f"W/{fresh}"}, json={"name": "Weak"}
    )
    assert weak.status_code == 412
    assert client.patch(path, headers=coordinator, json={"name": "Plain"}).status_code == 200


def test_a_participant_edit_is_refused_after_a_coordinator_changed_the_profile(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    registered = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    mine = bearer(registered["token"])
    tag = client.get("/me", headers=mine).headers["ETag"]
    changed = client.patch(
        f"/mentees/{registered['mentee']['id']}",
        headers=coordinator,
        json={"goals": "Set by the coordinator."},
    )
    assert changed.status_code == 200

    stale = client.patch("/me", headers={**mine, "If-Match": tag}, json={"goals": "Mine."})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    current = client.get("/me", headers=mine)
    assert current.json()["mentee"]["goals"] == "Set by the coordinator."
    edited = client.patch(
        "/me", headers={**mine, "If-Match": current.headers["ETag"]}, json={"goals": "Mine."}
    )
    assert edited.status_code == 200, edited.text
    assert edited.headers["ETag"] == client.get("/me", headers=mine).headers["ETag"]


def test_the_if_match_header_and_the_412_are_documented(client: TestClient) -> None:
    for method, path, operation in _operations(client):
        if method == "PATCH" and path in ("/mentors/{mentor_id}", "/mentees/{mentee_id}", "/me"):
            headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
            assert "if-match" in headers, path
            assert "412" in operation["responses"], path
