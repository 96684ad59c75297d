"""Manual pairings, suggestions and runs apply one set of rules; soft ones may be overridden."""

import itertools
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.crud import pairings as crud
from service.matchmaking import eligibility
from tests.factories import mentee_payload, mentor_payload


def made(client: TestClient, headers: dict[str, str], kind: str, **overrides: Any) -> int:
    payload = mentor_payload(**overrides) if kind == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{kind}s", headers=headers, json=payload)
    assert response.status_code == 201, response.text
    return int(response.json()[kind]["id"])


def pair(client: TestClient, headers: dict[str, str], mentee: int, mentor: int, **more: Any):
    return client.post(
        "/pairings", headers=headers, json={"mentee_id": mentee, "mentor_id": mentor, **more}
    )


def test_same_organisation_needs_an_override_which_is_recorded(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = made(client, coordinator, "mentor", organisation="Acme Care Ltd")
    mentee = made(client, coordinator, "mentee", organisation="ACME care")
    refused = pair(client, coordinator, mentee, mentor)
    assert refused.status_code == 409, refused.text
    assert "override_reason" in refused.json()["detail"]
    assert [e["message"] for e in refused.json()["errors"]] == ["same organisation: Acme Care Ltd"]
    accepted = pair(
        client, coordinator, mentee, mentor, override_reason="Different teams; agreed by both."
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["override_reason"] == "Different teams; agreed by both."
    events = client.get(
        "/audit-events", headers=coordinator, params={"action": "pairing.override"}
    ).json()["data"]
    assert [e["subject_id"] for e in events] == [accepted.json()["id"]]
    assert events[0]["details"]["conflicts"] == ["same organisation: Acme Care Ltd"]


def test_in_person_mentor_and_remote_mentee_elsewhere_is_a_conflict(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = made(
        client,
        coordinator,
        "mentor",
        meeting_mode="in_person",
        home_region="london",
        regions_served=[],
    )
    mentee = made(client, coordinator, "mentee", meeting_mode="remote", region="north_west")
    refused = pair(client, coordinator, mentee, mentor)
    assert refused.status_code == 409
    messages = [e["message"] for e in refused.json()["errors"]]
    assert messages == ["meeting mode and region: they have no way to meet"]
    assert (
        pair(client, coordinator, mentee, mentor, override_reason="Will travel.").status_code == 201
    )


def test_covering_no_need_is_a_conflict(client: TestClient, coordinator: dict[str, str]) -> None:
    mentor = made(client, coordinator, "mentor", skills=["estates"])
    mentee = made(
        client, coordinator, "mentee", needs=[{"skill": "financial_planning", "priority": 3}]
    )
    refused = pair(client, coordinator, mentee, mentor)
    assert refused.status_code == 409
    assert [e["message"] for e in refused.json()["errors"]] == [
        "breaks the rule: covers at least one need (the skill or its group)"
    ]


def test_capacity_and_exclusions_are_never_overridden(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = made(client, coordinator, "mentor", capacity=1)
    first, second, excluded = (made(client, coordinator, "mentee") for _ in range(3))
    assert pair(client, coordinator, first, mentor).status_code == 201
    full = pair(client, coordinator, second, mentor, override_reason="Please.")
    assert full.status_code == 409
    assert "at capacity (1 of 1)" in full.json()["errors"][0]["message"]
    other = made(client, coordinator, "mentor")
    client.post(
        "/exclusions", headers=coordinator, json={"mentee_id": excluded, "mentor_id": other}
    )
    refused = pair(client, coordinator, excluded, other, override_reason="Please.")
    assert refused.status_code == 409
    assert "excluded" in refused.json()["errors"][0]["message"]


def test_an_override_without_a_conflict_is_refused(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor, mentee = made(client, coordinator, "mentor"), made(client, coordinator, "mentee")
    response = pair(client, coordinator, mentee, mentor, override_reason="Just because.")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "override_reason"
    assert client.get("/pairings", headers=coordinator).json()["count"] == 0


@pytest.mark.parametrize("seed", range(3))
def test_runs_suggestions_and_manual_pairings_agree_on_random_cohorts(
    client: TestClient, coordinator: dict[str, str], session: Session, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    regions = ["north_west", "london", "south_west"]
    modes = ["in_person", "remote", "either"]
    skills = ["governance_boards", "pricing", "financial_planning", "tupe", "estates"]
    organisations = ["Acme Care", "Valley Health", "Riverside"]
    mentors = [
        made(
            client,
            coordinator,
            "mentor",
            home_region=str(rng.choice(regions)),
            regions_served=[],
            meeting_mode=str(rng.choice(modes)),
            skills=[str(rng.choice(skills))],
            organisation=str(rng.choice(organisations)),
        )
        for _ in range(3)
    ]
    mentees = [
        made(
            client,
            coordinator,
            "mentee",
            region=str(rng.choice(regions)),
            meeting_mode=str(rng.choice(modes)),
            needs=[{"skill": str(rng.choice(skills)), "priority": 3}],
            organisation=str(rng.choice(organisations)) + " CIC",
        )
        for _ in range(3)
    ]
    for mentee, mentor in itertools.product(mentees, mentors):
        run = client.post(
            "/match-runs",
            headers=coordinator,
            json={"min_score": 0, "cohort": {"mentee_ids": [mentee], "mentor_ids": [mentor]}},
        ).json()
        by_run = run["matched_count"] == 1
        suggested = client.get(
            f"/mentees/{mentee}/suggestions", headers=coordinator, params={"limit": 100}
        ).json()
        by_suggestion = mentor in [s["mentor"]["id"] for s in suggested["data"]]
        # What POST /pairings checks, without making the pairing (which would change
        # the cohort for the next pairs).
        candidate = crud.Candidate(mentee_id=mentee, mentor_id=mentor, field="body")
        by_hand = not crud.check(session=session, candidates=[candidate]) and not (
            eligibility.soft_conflicts(session=session, mentee_id=mentee, mentor_id=mentor)
        )
        assert by_run == by_suggestion == by_hand, run
