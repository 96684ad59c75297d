"""Deciding on a run's proposals: all or none, every one still possible, or from a file."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.spreadsheets.formats import XLSX_MEDIA_TYPE, SheetFormat, write_table
from tests.service.test_match_runs import active_pairings, cohort, create, proposals, run


def manual_pairing(client: TestClient, headers: dict[str, str], mentor_id: int) -> None:
    """Fill one place of a mentor by hand, behind a run's back."""
    mentee_id = create(client, headers, "mentee")
    response = client.post(
        "/pairings", headers=headers, json={"mentee_id": mentee_id, "mentor_id": mentor_id}
    )
    assert response.status_code == 201, response.text


def stale_run(client: TestClient, headers: dict[str, str]) -> tuple[int, list[dict[str, Any]], int]:
    """A run whose busiest mentor was filled by hand since: one proposal can no longer be."""
    cohort(client, headers, mentees=4, mentors=2)
    summary = run(client, headers)
    listed = proposals(client, headers, summary["id"])
    mentor_id = listed[0]["mentor"]["id"]
    manual_pairing(client, headers, mentor_id)
    return summary["id"], listed, mentor_id


def test_accept_everything_possible_skips_the_stale_proposal_and_says_why(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    run_id, listed, full_mentor = stale_run(client, coordinator)
    strict = client.post(f"/match-runs/{run_id}/accept", headers=coordinator, json={})
    assert strict.status_code == 409
    assert len(active_pairings(client, coordinator)) == 1, "the strict accept changed nothing"

    response = client.post(
        f"/match-runs/{run_id}/accept", headers=coordinator, json={"mode": "possible"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["data"]) == len(listed) - 1
    (skipped,) = body["skipped"]
    assert skipped["mentor"]["id"] == full_mentor
    assert skipped["reason"] == f"mentor {full_mentor} is at capacity (2 of 2)"
    # The one left out is the weaker of the two proposals to the full mentor.
    to_full = sorted(
        (p for p in listed if p["mentor"]["id"] == full_mentor), key=lambda p: -p["score"]
    )
    assert skipped["proposal_id"] == to_full[-1]["id"]
    statuses = {p["id"]: p["status"] for p in proposals(client, coordinator, run_id)}
    assert statuses[skipped["proposal_id"]] == "proposed"
    assert sum(status == "accepted" for status in statuses.values()) == len(listed) - 1


def test_accept_possible_reports_named_proposals_that_are_not_open(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator, mentees=2, mentors=1)
    summary = run(client, coordinator)
    first, second = (p["id"] for p in proposals(client, coordinator, summary["id"]))
    client.post(
        f"/match-runs/{summary['id']}/proposals/{first}/reject",
        headers=coordinator,
        json={"reason": "Met before."},
    )
    response = client.post(
        f"/match-runs/{summary['id']}/accept",
        headers=coordinator,
        json={"mode": "possible", "proposal_ids": [first, second, 999_999]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["id"] for p in body["data"]] == [second]
    assert {(s["proposal_id"], s["reason"]) for s in body["skipped"]} == {
        (first, "already rejected"),
        (999_999, f"run {summary['id']} has no proposal 999999"),
    }


def decisions_file(
    client: TestClient, headers: dict[str, str], run_id: int, decide: dict[int, tuple[str, str]]
) -> str:
    """The run's proposals file with some decisions written in, as a coordinator would."""
    exported = client.get(f"/match-runs/{run_id}/proposals.csv", headers=headers)
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text.removeprefix("\ufeff"))))
    assert rows
    assert "decision" in rows[0]
    for row in rows:
        decision, note = decide.get(
            int(row["proposal_id"]), (row["decision"], row["decision_note"])
        )
        row["decision"], row["decision_note"] = decision, note
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def upload(client: TestClient, headers: dict[str, str], run_id: int, text: str) -> Any:
    return client.post(
        f"/match-runs/{run_id}/decisions",
        headers={**headers, "Content-Type": "text/csv"},
        content=text.encode("utf-8"),
    )


def test_a_filled_in_proposals_file_accepts_and_rejects_in_one_step(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator, mentees=4, mentors=2)
    summary = run(client, coordinator)
    listed = proposals(client, coordinator, summary["id"])
    rejected, *accepted = (p["id"] for p in listed)
    decide = {rejected: ("Reject", "Worked together before.")}
    decide |= {proposal_id: ("accept", "") for proposal_id in accepted[:2]}
    text = decisions_file(client, coordinator, summary["id"], decide)

    response = upload(client, coordinator, summary["id"], text)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "rejected": 1, "unchanged": 0}
    statuses = {p["id"]: p["status"] for p in proposals(client, coordinator, summary["id"])}
    assert statuses[rejected] == "rejected"
    assert [statuses[i] for i in accepted] == ["accepted", "accepted", "proposed"]
    assert len(active_pairings(client, coordinator)) == 2

    again = upload(client, coordinator, summary["id"], text)
    assert again.status_code == 200, again.text
    assert again.json() == {"accepted": 0, "rejected": 0, "unchanged": 3}


def test_a_decisions_file_is_applied_whole_or_not_at_all(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    run_id, listed, full_mentor = stale_run(client, coordinator)
    stale = next(p for p in listed if p["mentor"]["id"] == full_mentor)
    other = next(p for p in listed if p["mentor"]["id"] != full_mentor)
    decide = {p["id"]: ("accept", "") for p in listed}
    decide[other["id"]] = ("reject", "Not this time.")
    text = decisions_file(client, coordinator, run_id, decide)

    response = upload(client, coordinator, run_id, text)
    assert response.status_code == 409, response.text
    assert any("at capacity" in e["message"] for e in response.json()["errors"])
    assert {e["field"].split(":")[0] for e in response.json()["errors"]} <= {
        f"row {n}" for n in range(2, len(listed) + 2)
    }
    statuses = {p["id"]: p["status"] for p in proposals(client, coordinator, run_id)}
    assert set(statuses.values()) == {"proposed"}, "the rejection was not applied either"
    assert stale["id"] in statuses
    assert len(active_pairings(client, coordinator)) == 1


@pytest.mark.parametrize(
    ("decision", "note", "field", "message"),
    [
        ("reject", "", "decision_note", "give the reason for rejecting"),
        ("maybe", "", "decision", "must be accept, reject or empty (undecided)"),
    ],
)
def test_decision_cells_are_checked(
    client: TestClient,
    coordinator: dict[str, str],
    decision: str,
    note: str,
    field: str,
    message: str,
) -> None:
    cohort(client, coordinator, mentees=2, mentors=1)
    summary = run(client, coordinator)
    first = proposals(client, coordinator, summary["id"])[0]["id"]
    text = decisions_file(client, coordinator, summary["id"], {first: (decision, note)})
    response = upload(client, coordinator, summary["id"], text)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": f"row 2: {field}", "message": message}]


def test_a_file_of_another_run_or_without_decisions_is_refused(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator, mentees=2, mentors=1)
    first_run = run(client, coordinator)
    second_run = run(client, coordinator)
    proposal = proposals(client, coordinator, first_run["id"])[0]["id"]
    text = decisions_file(client, coordinator, first_run["id"], {proposal: ("accept", "")})
    response = upload(client, coordinator, second_run["id"], text)
    assert response.status_code == 422
    assert f"run {second_run['id']} has no proposal {proposal}" in response.text

    undecided = decisions_file(client, coordinator, first_run["id"], {})
    response = upload(client, coordinator, first_run["id"], undecided)
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "has no decision: write accept or reject"

    response = upload(client, coordinator, first_run["id"], "name\nx\n")
    assert response.status_code == 422
    assert "missing required columns ['proposal_id', 'decision']" in response.text


def test_decisions_in_an_xlsx_workbook(client: TestClient, coordinator: dict[str, str]) -> None:
    cohort(client, coordinator, mentees=2, mentors=1)
    summary = run(client, coordinator)
    exported = client.get(f"/match-runs/{summary['id']}/proposals.xlsx", headers=coordinator)
    assert exported.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    for row in rows:
        row[header.index("decision")] = "accept"
    content = write_table(
        [str(name) for name in header], rows, sheet_format=SheetFormat.xlsx, title="decided"
    )
    response = client.post(
        f"/match-runs/{summary['id']}/decisions",
        headers=coordinator,
        files={"file": ("decided.xlsx", content, XLSX_MEDIA_TYPE)},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "rejected": 0, "unchanged": 0}
