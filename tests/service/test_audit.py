"""The audit log: who did what and when, append-only, with no personal data in it."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from service.models import AuditEvent
from tests.factories import bearer, mentee_payload, mentor_payload
from tests.service.test_match_runs import cohort, proposals, run


def events(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/audit-events", headers=headers, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["data"]))


def actions(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    return [event["action"] for event in events(client, headers, **params)]


def test_the_coordinators_workflow_is_recorded_with_who_did_it(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator, mentees=3, mentors=2)
    summary = run(client, coordinator)
    first, *rest = proposals(client, coordinator, summary["id"])
    client.post(
        f"/match-runs/{summary['id']}/proposals/{first['id']}/reject",
        headers=coordinator,
        json={"reason": "Met before."},
    )
    client.post(f"/match-runs/{summary['id']}/accept", headers=coordinator, json={})
    pairing = client.get("/pairings", headers=coordinator).json()["data"][0]
    client.post(f"/pairings/{pairing['id']}/end", headers=coordinator, json={"status": "completed"})

    recorded = events(client, coordinator)[1:]  # after the coordinator's own token
    assert [e["action"] for e in recorded] == [
        *["mentor.created", "token.issued"] * 2,
        *["mentee.created", "token.issued"] * 3,
        "match_run.created",
        "proposal.rejected",
        *["pairing.created"] * len(rest),
        *["proposal.accepted"] * len(rest),
        "pairing.ended",
    ]
    by_coordinator = [e for e in recorded if e["actor_role"] == "coordinator"]
    assert {e["actor_name"] for e in by_coordinator} == {"Test coordinator"}
    ended = recorded[-1]
    assert (ended["subject_type"], ended["subject_id"]) == ("pairing", pairing["id"])
    assert ended["details"] == {"status": "completed"}
    (stored,) = [e for e in recorded if e["action"] == "match_run.created"]
    assert stored["subject_id"] == summary["id"]
    assert stored["details"]["matched"] == summary["matched_count"]


def test_participants_and_anonymous_registrations_are_recorded_by_role(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    assert client.post("/mentees", json=mentee_payload()).status_code == 202
    (pending,) = client.get("/mentees", headers=coordinator).json()["data"]
    registered = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    mentee_id = registered["mentee"]["id"]
    me = bearer(registered["token"])
    client.patch("/me", headers=me, json={"goals": "Grow the board."})
    client.post("/me/conflicts", headers=me, json={"email": "someone@example.org"})
    recorded = events(client, coordinator)
    assert [(e["action"], e["actor_role"], e["actor_id"]) for e in recorded] == [
        ("token.issued", "system", None),
        ("mentee.created", "anonymous", None),
        ("mentee.created", "coordinator", recorded[0]["subject_id"]),
        ("token.issued", "coordinator", recorded[0]["subject_id"]),
        ("mentee.updated", "mentee", mentee_id),
        ("conflict.declared", "mentee", mentee_id),
    ]
    assert recorded[1]["subject_id"] == pending["id"]
    assert recorded[4]["details"] == {"fields": ["goals"]}
    assert "someone@example.org" not in str(recorded)


def test_edits_name_the_fields_and_status_changes_their_values(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor_id = client.post("/mentors", headers=coordinator, json=mentor_payload()).json()[
        "mentor"
    ]["id"]
    client.patch(
        f"/mentors/{mentor_id}",
        headers=coordinator,
        json={"name": "A New Name", "capacity": 4, "status": "paused"},
    )
    updated, changed = events(client, coordinator, subject_type="mentor", action="mentor.")[-2:]
    assert updated["details"] == {"fields": ["capacity", "name"]}
    assert changed["action"] == "mentor.status_changed"
    assert changed["details"] == {"from": "active", "to": "paused"}
    assert "A New Name" not in str(events(client, coordinator))


def test_imports_erasures_and_tokens_are_recorded_without_personal_data(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    text_file = (
        "name,email,organisation,kind,home_region,sectors,skills\n"
        "Secret Name,secret@example.org,Secret Org,peer,london,housing,tupe\n"
    )
    imported = client.post(
        "/mentors/import",
        headers={**coordinator, "Content-Type": "text/csv"},
        content=text_file.encode(),
    )
    (mentor_id,) = imported.json()["ids"]
    client.post(f"/mentors/{mentor_id}/access-token", headers=coordinator)
    client.post(f"/mentors/{mentor_id}/access-token", headers=coordinator)
    client.delete(f"/mentors/{mentor_id}", headers=coordinator)
    recorded = events(client, coordinator)[1:]
    assert [e["action"] for e in recorded] == [
        "mentor.created",
        "mentors.imported",
        "token.issued",
        "token.revoked",
        "token.issued",
        "mentor.erased",
    ]
    assert recorded[0]["details"] == {"source": "import"}
    assert recorded[1]["details"] == {"created": 1, "updated": 0, "unchanged": 0}
    exported = client.get("/audit-events/export", headers=coordinator)
    for needle in ("Secret Name", "secret@example.org", "Secret Org"):
        assert needle not in exported.text
        assert needle not in str(recorded)


def test_the_log_filters_and_exports(client: TestClient, coordinator: dict[str, str]) -> None:
    cohort(client, coordinator, mentees=2, mentors=1)
    assert set(actions(client, coordinator, action="mentee")) == {"mentee.created"}
    assert actions(client, coordinator, action="token") == ["token.issued"] * 4
    assert (
        actions(client, coordinator, actor_role="coordinator", action="token")
        == ["token.issued"] * 3
    ), "the coordinator registered three people; the CLI made the coordinator's token"
    exported = client.get("/audit-events/export", headers=coordinator, params={"action": "mentor"})
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == ["mentor.created"]
    future = client.get(
        "/audit-events", headers=coordinator, params={"since": "2999-01-01T00:00:00Z"}
    )
    assert future.json()["count"] == 0


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"]
)
def test_the_database_refuses_to_change_or_delete_an_event(
    client: TestClient, coordinator: dict[str, str], session: Session, statement: str
) -> None:
    client.post("/mentors", headers=coordinator, json=mentor_payload())
    assert session.exec(select(AuditEvent)).first() is not None
    nested = session.begin_nested()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement))
    nested.rollback()


def test_participants_cannot_read_the_log(client: TestClient, coordinator: dict[str, str]) -> None:
    token = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["token"]
    assert client.get("/audit-events", headers=bearer(token)).status_code == 403
    assert client.get("/audit-events").status_code == 401
