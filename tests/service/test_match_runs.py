"""The coordinator's workflow: run, review, reject, accept, end, run again."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from service.matchmaking import runs as match_runs
from service.matchmaking.cohort import normalise_organisation
from service.models import MatchRun, Proposal, UnmatchedMentee
from tests.factories import bearer, mentee_payload, mentor_payload


def create(client: TestClient, headers: dict[str, str], kind: str, **overrides: Any) -> int:
    payload = mentor_payload(**overrides) if kind == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{kind}s", headers=headers, json=payload)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def cohort(client: TestClient, headers: dict[str, str], mentees: int = 6, mentors: int = 3) -> None:
    for _ in range(mentors):
        create(client, headers, "mentor", capacity=2)
    for _ in range(mentees):
        create(client, headers, "mentee")


def run(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/match-runs", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def proposals(client: TestClient, headers: dict[str, str], run_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/match-runs/{run_id}/proposals", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def active_pairings(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/pairings", headers=headers, params={"status": "active", "limit": 200})
    return response.json()["data"]  # type: ignore[no-any-return]


def assert_invariants(client: TestClient, headers: dict[str, str]) -> None:
    active = active_pairings(client, headers)
    mentees = [p["mentee_id"] for p in active]
    assert len(mentees) == len(set(mentees)), "a mentee has two active pairings"
    for mentor_id in {p["mentor_id"] for p in active}:
        capacity = client.get(f"/mentors/{mentor_id}", headers=headers).json()["capacity"]
        assert sum(p["mentor_id"] == mentor_id for p in active) <= capacity


def test_run_proposes_explained_pairs_and_records_statistics(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator, mentees=7, mentors=3)
    summary = run(client, coordinator)
    assert summary["mentees_considered"] == 7
    assert summary["mentors_considered"] == 3
    assert summary["matched_count"] == 6  # three mentors with two places each
    assert summary["unmatched_count"] == 1
    assert summary["matched_count"] >= summary["greedy_matched_count"]
    assert summary["total_score"] >= summary["greedy_total_score"] - 1e-9
    assert summary["solver"] in ("dense", "sparse", "flow")
    assert summary["parameters"]["objective"] == "max_matched"

    listed = proposals(client, coordinator, summary["id"])
    assert len(listed) == 6
    first = listed[0]
    assert set(first["components"]) == {"sector", "skills", "region", "experience"}
    assert "adult social care" in first["reason"].lower()
    assert first["status"] == "proposed"
    assert first["mentee"]["name"].startswith("Mentee")
    assert "email" not in first["mentee"]

    unmatched = client.get(f"/match-runs/{summary['id']}/unmatched", headers=coordinator).json()
    assert unmatched["count"] == 1
    assert unmatched["data"][0]["reason_code"] == "mentors_at_capacity"
    assert unmatched["data"][0]["reason"]


def test_same_data_gives_same_proposals(client: TestClient, coordinator: dict[str, str]) -> None:
    cohort(client, coordinator)

    def pairs(run_id: int) -> list[tuple[int, int]]:
        return [
            (p["mentee"]["id"], p["mentor"]["id"]) for p in proposals(client, coordinator, run_id)
        ]

    assert pairs(run(client, coordinator)["id"]) == pairs(run(client, coordinator)["id"])


def test_full_workflow_reject_accept_end_and_run_again(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator)
    first = run(client, coordinator)
    listed = proposals(client, coordinator, first["id"])
    rejected = listed[0]
    response = client.post(
        f"/match-runs/{first['id']}/proposals/{rejected['id']}/reject",
        headers=coordinator,
        json={"reason": "Mentee asked for a finance specialist."},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rejected"

    accepted = client.post(f"/match-runs/{first['id']}/accept", headers=coordinator, json={})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["count"] == len(listed) - 1
    assert accepted.json()["skipped"] == []
    assert_invariants(client, coordinator)

    # End one pairing early: the mentee waits again, and that mentor is excluded.
    ended = active_pairings(client, coordinator)[0]
    response = client.post(
        f"/pairings/{ended['id']}/end",
        headers=coordinator,
        json={"status": "ended_early", "reason": "Not a fit."},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ended_early"
    mentee = client.get(f"/mentees/{ended['mentee_id']}", headers=coordinator).json()
    assert mentee["status"] == "waiting"

    second = run(client, coordinator)
    again = {
        (p["mentee"]["id"], p["mentor"]["id"]) for p in proposals(client, coordinator, second["id"])
    }
    assert (rejected["mentee"]["id"], rejected["mentor"]["id"]) not in again
    assert (ended["mentee_id"], ended["mentor_id"]) not in again
    assert all(
        mentee_id != p["mentee_id"]
        for p in active_pairings(client, coordinator)
        for mentee_id, _ in again
    )
    exclusions = client.get("/exclusions", headers=coordinator).json()
    assert {e["reason"] for e in exclusions["data"]} == {"rejected_proposal", "pairing_ended"}
    assert_invariants(client, coordinator)


def test_accept_rechecks_state_and_accepts_all_or_nothing(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    cohort(client, coordinator, mentees=4, mentors=2)
    summary = run(client, coordinator)
    listed = proposals(client, coordinator, summary["id"])
    paused = listed[0]["mentor"]["id"]
    client.patch(f"/mentors/{paused}", headers=coordinator, json={"status": "paused"})

    response = client.post(
        f"/match-runs/{summary['id']}/accept",
        headers=coordinator,
        json={"proposal_ids": [p["id"] for p in listed] + [999999]},
    )
    assert response.status_code == 409, response.text
    body = response.json()
    messages = [e["message"] for e in body["errors"]]
    assert f"run {summary['id']} has no proposal 999999" in messages
    assert any(f"mentor {paused} is paused" in m for m in messages)
    assert "none" in body["detail"] or "nothing" in body["detail"]
    assert active_pairings(client, coordinator) == []
    assert all(p["status"] == "proposed" for p in proposals(client, coordinator, summary["id"]))


def test_same_organisation_and_declared_conflicts_are_never_proposed(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    acme = create(client, coordinator, "mentor", organisation="Acme Care Ltd", capacity=3)
    blocked = create(client, coordinator, "mentee", organisation="ACME care")
    registered = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    declarer = bearer(registered["token"])
    # Declared before the mentor registers: the answer must not tell whether they exist.
    before = client.post("/me/conflicts", headers=declarer, json={"email": "late@example.org"})
    assert before.status_code == 201
    late = create(client, coordinator, "mentor", email="late@example.org", capacity=3)
    after = client.post("/me/conflicts", headers=declarer, json={"email": "nobody@example.org"})
    assert after.json() == before.json()

    # Each mentee is allowed exactly one of the two mentors.
    summary = run(client, coordinator)
    pairs = {
        (p["mentee"]["id"], p["mentor"]["id"])
        for p in proposals(client, coordinator, summary["id"])
    }
    assert pairs == {(blocked, late), (registered["mentee"]["id"], acme)}

    client.patch(f"/mentors/{late}", headers=coordinator, json={"status": "paused"})
    summary = run(client, coordinator, cohort={"mentee_ids": [blocked]})
    assert summary["matched_count"] == 0
    unmatched = client.get(f"/match-runs/{summary['id']}/unmatched", headers=coordinator).json()
    # The only active mentor works in the mentee's organisation, and the reason says so.
    assert unmatched["data"][0]["reason_code"] == "all_excluded"
    assert unmatched["data"][0]["reason"].endswith("works in the mentee's organisation")


def test_manual_pairing_uses_the_same_checks(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = create(client, coordinator, "mentor", capacity=1)
    first, second = create(client, coordinator, "mentee"), create(client, coordinator, "mentee")
    made = client.post(
        "/pairings", headers=coordinator, json={"mentee_id": first, "mentor_id": mentor}
    )
    assert made.status_code == 201, made.text
    full = client.post(
        "/pairings", headers=coordinator, json={"mentee_id": second, "mentor_id": mentor}
    )
    assert full.status_code == 409
    assert "at capacity (1 of 1)" in full.json()["errors"][0]["message"]
    twice = client.post(
        "/pairings", headers=coordinator, json={"mentee_id": first, "mentor_id": mentor}
    )
    assert twice.status_code == 409
    missing = client.post(
        "/pairings", headers=coordinator, json={"mentee_id": 999999, "mentor_id": mentor}
    )
    assert missing.status_code == 409
    assert "no longer exists" in missing.json()["errors"][0]["message"]


def test_participant_sees_own_pairing_with_partner_and_records_fit(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = client.post(
        "/mentors", json=mentor_payload(name="Pat Mentor"), headers=coordinator
    ).json()
    mentee = client.post(
        "/mentees", json=mentee_payload(name="Kim Mentee"), headers=coordinator
    ).json()
    other = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    made = client.post(
        "/pairings",
        headers=coordinator,
        json={"mentee_id": mentee["mentee"]["id"], "mentor_id": mentor["mentor"]["id"]},
    ).json()

    mine = client.get("/me/pairings", headers=bearer(mentee["token"])).json()
    assert [p["partner"]["name"] for p in mine] == ["Pat Mentor"]
    assert mine[0]["partner"]["email"] == mentor["mentor"]["email"]
    theirs = client.get("/me/pairings", headers=bearer(mentor["token"])).json()
    assert theirs[0]["partner"]["email"] == mentee["mentee"]["email"]
    assert client.get("/me/pairings", headers=bearer(other["token"])).json() == []

    fit = client.post(
        f"/me/pairings/{made['id']}/fit", headers=bearer(mentee["token"]), json={"fit": "not_a_fit"}
    )
    assert fit.status_code == 200
    assert fit.json()["mentee_fit"] == "not_a_fit"
    stranger = client.post(
        f"/me/pairings/{made['id']}/fit", headers=bearer(other["token"]), json={"fit": "good_fit"}
    )
    assert stranger.status_code == 404
    seen = client.get(f"/pairings/{made['id']}", headers=coordinator).json()
    assert (seen["mentee_fit"], seen["mentor_fit"]) == ("not_a_fit", None)
    for path in ("/match-runs", "/pairings", "/exclusions"):
        assert client.get(path, headers=bearer(mentee["token"])).status_code == 403


def test_suggestions_rank_eligible_mentors_honouring_capacity_and_exclusions(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee = create(client, coordinator, "mentee", organisation="Riverside CIC")
    best = create(client, coordinator, "mentor", skills=["governance_boards", "pricing"])
    good = create(client, coordinator, "mentor", skills=["governance_boards"])
    # Covers pricing by its group only; a mentor offering none of the needs is not suggested.
    weaker = create(client, coordinator, "mentor", skills=["bid_writing"])
    create(client, coordinator, "mentor", skills=["tupe"])
    excluded = create(client, coordinator, "mentor")
    create(client, coordinator, "mentor", organisation="Riverside C.I.C.")  # same organisation
    full = create(client, coordinator, "mentor", capacity=1)
    paused = create(client, coordinator, "mentor")
    client.patch(f"/mentors/{paused}", headers=coordinator, json={"status": "paused"})
    client.post(
        "/exclusions", headers=coordinator, json={"mentee_id": mentee, "mentor_id": excluded}
    )
    other = create(client, coordinator, "mentee")
    client.post("/pairings", headers=coordinator, json={"mentee_id": other, "mentor_id": full})

    response = client.get(
        f"/mentees/{mentee}/suggestions", headers=coordinator, params={"limit": 1000}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["mentor"]["id"] for s in body["data"]] == [best, good, weaker]
    assert body["count"] == 3
    scores = [s["score"] for s in body["data"]]
    assert scores == sorted(scores, reverse=True)
    assert "covers 2 of 2 needs" in body["data"][0]["reason"]
    assert body["data"][0]["places_left"] == 2

    top = client.get(f"/mentees/{mentee}/suggestions", headers=coordinator, params={"limit": 1})
    assert [s["mentor"]["id"] for s in top.json()["data"]] == [best]
    assert client.get("/mentees/999999/suggestions", headers=coordinator).status_code == 404
    token = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["token"]
    assert client.get(f"/mentees/{mentee}/suggestions", headers=bearer(token)).status_code == 403


def count_rows(session: Session, table: type[SQLModel]) -> int:
    return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.parametrize("failure", ["solver", "write"])
def test_failure_during_a_run_leaves_no_run_and_no_proposals(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    failure: str,
) -> None:
    cohort(client, coordinator, mentees=5, mentors=2)
    if failure == "solver":

        def broken_solver(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("solver crashed")

        monkeypatch.setattr(match_runs.matching, "match", broken_solver)
    else:
        real_insert = match_runs.insert
        calls = []

        def insert_then_fail(table: Any) -> Any:
            calls.append(table)
            if table is UnmatchedMentee:  # the proposals were already written
                raise RuntimeError("database write failed")
            return real_insert(table)

        monkeypatch.setattr(match_runs, "insert", insert_then_fail)
    with pytest.raises(RuntimeError):
        client.post("/match-runs", headers=coordinator, json={})
    if failure == "write":
        assert calls == [Proposal, UnmatchedMentee]
    assert count_rows(session, MatchRun) == 0
    assert count_rows(session, Proposal) == 0
    assert count_rows(session, UnmatchedMentee) == 0
    monkeypatch.undo()
    assert run(client, coordinator)["matched_count"] == 4


@pytest.mark.parametrize(
    ("names", "same"),
    [
        (("Riverside CIC", "riverside c.i.c."), True),
        (("Acme Care Ltd", "ACME  care limited"), True),
        (("St. Mary's Care", "St Marys Care"), True),
        (("Acme Care", "Acme Home Care"), False),
    ],
)
def test_organisations_compare_regardless_of_case_punctuation_and_suffix(
    names: tuple[str, str], same: bool
) -> None:
    first, second = names
    assert (normalise_organisation(first) == normalise_organisation(second)) is same


@pytest.mark.parametrize(
    ("cohort_filter", "field", "fragment"),
    [
        ({"sectors": ["string"]}, "cohort.sectors[0]", "unknown sector code 'string'; valid codes"),
        ({"regions": ["london", "mars"]}, "cohort.regions[1]", "unknown region code 'mars'"),
        ({"mentee_ids": [999_999]}, "cohort.mentee_ids[0]", "no mentee with id 999999"),
        ({"mentor_ids": [1, 999_999]}, "cohort.mentor_ids[1]", "no mentor with id 999999"),
    ],
)
def test_cohort_filters_name_unknown_codes_and_ids(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    cohort_filter: dict[str, Any],
    field: str,
    fragment: str,
) -> None:
    cohort(client, coordinator, mentees=2, mentors=1)
    response = client.post("/match-runs", headers=coordinator, json={"cohort": cohort_filter})
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert any(e["field"] == field and fragment in e["message"] for e in errors), errors
    assert count_rows(session, MatchRun) == 0


@pytest.mark.parametrize(
    ("mentees", "mentors", "cohort_filter", "message"),
    [
        (0, 1, {}, "nothing to match: no mentee is waiting"),
        (2, 0, {}, "nothing to match: no active mentor has a place left"),
        (2, 1, {"sectors": ["housing"]}, "nothing to match: no mentee is waiting in this cohort"),
    ],
)
def test_a_run_that_would_consider_nobody_says_so(
    client: TestClient,
    coordinator: dict[str, str],
    session: Session,
    mentees: int,
    mentors: int,
    cohort_filter: dict[str, Any],
    message: str,
) -> None:
    cohort(client, coordinator, mentees=mentees, mentors=mentors)
    response = client.post("/match-runs", headers=coordinator, json={"cohort": cohort_filter})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "cohort"
    assert response.json()["errors"][0]["message"].startswith(message)
    assert count_rows(session, MatchRun) == 0
