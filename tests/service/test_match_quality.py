"""What a run optimises: needs first, a run's hard rules, and reasons that name what decided."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import mentee_payload, mentor_payload

# The README's API tour, as a coordinator types it.
SAM_OKAFOR = {
    "name": "Sam Okafor",
    "email": "sam@example.org",
    "organisation": "Northern Care Mutual",
    "job_title": "Chief executive",
    "kind": "peer",
    "led_spin_out": True,
    "years_experience": 18,
    "home_region": "north_west",
    "regions_served": ["yorkshire_humber"],
    "meeting_mode": "either",
    "capacity": 2,
    "sectors": ["adult_social_care", "home_care"],
    "skills": ["governance_boards", "bid_writing", "tupe"],
    "legal_forms": ["cic_shares"],
}
MENTORS_CSV = (
    "name,email,organisation,kind,led_spin_out,home_region,regions_served,meeting_mode,"
    "capacity,sectors,skills,legal_forms\n"
    "Jo Adams,jo@example.org,Valley Health CIC,peer,yes,London,South East,either,2,"
    "Community health services,Governance and boards;Pricing;TUPE,cic_shares\n"
    "Ravi Shah,ravi@example.org,Shah Finance,specialist,no,north_west,,remote,1,"
    "adult_social_care,financial_planning;access_to_finance,\n"
)
MENTEES_CSV = (
    "name,email,organisation,legal_form,stage,primary_sector,needs,region,meeting_mode\n"
    "Lee Brown,lee@example.org,Bridge Community Care,cic_guarantee,spinning_out,"
    "community_health,governance_boards:3;tupe:2,london,in_person\n"
    "Mo Patel,mo@example.org,Northern Home Care,cic_shares,exploring,home_care,"
    "financial_planning:3;pricing,north_west,remote\n"
)


def post(client: TestClient, headers: dict[str, str], path: str, **body: Any) -> Any:
    response = client.post(path, headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def readme_cohort(client: TestClient, headers: dict[str, str]) -> None:
    post(client, headers, "/mentors", **SAM_OKAFOR)
    for kind, body in (("mentors", MENTORS_CSV), ("mentees", MENTEES_CSV)):
        response = client.post(
            f"/{kind}/import",
            headers={**headers, "Content-Type": "text/csv"},
            content=body.encode(),
        )
        assert response.status_code == 200, response.text


def proposals_by_mentee(
    client: TestClient, headers: dict[str, str], run_id: int
) -> dict[str, dict[str, Any]]:
    data = client.get(f"/match-runs/{run_id}/proposals", headers=headers).json()["data"]
    return {p["mentee"]["name"]: p for p in data}


def test_readme_example_proposes_mo_patel_the_finance_specialist(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    readme_cohort(client, coordinator)
    run = post(client, coordinator, "/match-runs", min_score=0.2, objective="max_matched")
    assert run["parameters"]["weights"] == {
        "skills": 0.64,
        "sector": 0.08,
        "region": 0.2,
        "experience": 0.08,
    }
    assert run["parameters"]["rules"]["any_need"] is True
    by_mentee = proposals_by_mentee(client, coordinator, run["id"])
    mo = by_mentee["Mo Patel"]
    assert mo["mentor"]["name"] == "Ravi Shah"
    assert mo["score"] == pytest.approx(0.624)
    assert mo["reason"].startswith(
        "related sector: Social care; covers 1 of 2 needs: Financial planning"
    )
    assert (mo["runner_up"]["name"], mo["runner_up_score"]) == ("Sam Okafor", 0.488)
    assert by_mentee["Lee Brown"]["mentor"]["name"] == "Jo Adams"
    assert by_mentee["Lee Brown"]["score"] == pytest.approx(0.96)


def test_run_rules_are_stored_and_applied(client: TestClient, coordinator: dict[str, str]) -> None:
    readme_cohort(client, coordinator)
    run = post(
        client,
        coordinator,
        "/match-runs",
        rules={"sector": "same", "legal_form": True},
        cohort={"mentee_ids": []},
    )
    assert run["parameters"]["rules"]["sector"] == "same"
    by_mentee = proposals_by_mentee(client, coordinator, run["id"])
    # Mo Patel: only Sam Okafor knows home care, and he knows a CIC limited by shares.
    assert by_mentee["Mo Patel"]["mentor"]["name"] == "Sam Okafor"
    # Lee Brown: nobody knows a CIC limited by guarantee.
    assert "Lee Brown" not in by_mentee
    unmatched = client.get(f"/match-runs/{run['id']}/unmatched", headers=coordinator).json()
    (lee,) = unmatched["data"]
    assert lee["reason_code"] == "breaks_rules"
    assert "knows the mentee's legal form rules out 1" in lee["reason"]
    assert lee["reason"].endswith(
        "closest: Jo Adams (0.96), breaks the rule: knows the mentee's legal form"
    )


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"sector": "nearby"}, "rules.sector"),
        ({"min_needs": 9}, "rules.min_needs"),
        ({"min_needs": -1}, "rules.min_needs"),
        ({"colour": True}, "rules.colour"),
        ({"any_need": "sometimes"}, "rules.any_need"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(
    client: TestClient, coordinator: dict[str, str], rules: dict[str, Any], field: str
) -> None:
    response = client.post("/match-runs", headers=coordinator, json={"rules": rules})
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]


def test_a_mentor_covering_no_need_is_not_proposed_unless_relaxed(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    post(client, coordinator, "/mentors", **mentor_payload(skills=["estates"]))
    mentee = post(
        client,
        coordinator,
        "/mentees",
        **mentee_payload(needs=[{"skill": "financial_planning", "priority": 3}]),
    )
    run = post(client, coordinator, "/match-runs")
    assert run["matched_count"] == 0
    unmatched = client.get(f"/match-runs/{run['id']}/unmatched", headers=coordinator).json()
    assert unmatched["data"][0]["reason_code"] == "breaks_rules"
    assert "covers at least one need" in unmatched["data"][0]["reason"]
    suggestions = client.get(
        f"/mentees/{mentee['mentee']['id']}/suggestions", headers=coordinator
    ).json()
    assert suggestions["count"] == 0
    relaxed = post(client, coordinator, "/match-runs", rules={"any_need": False})
    assert relaxed["matched_count"] == 1


def test_unmatched_reason_names_the_rejection(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = post(client, coordinator, "/mentors", **mentor_payload(name="Pat Lowe", capacity=1))
    post(client, coordinator, "/mentees", **mentee_payload())
    first = post(client, coordinator, "/match-runs")
    (proposal,) = client.get(f"/match-runs/{first['id']}/proposals", headers=coordinator).json()[
        "data"
    ]
    assert proposal["mentor"]["id"] == mentor["mentor"]["id"]
    rejected = client.post(
        f"/match-runs/{first['id']}/proposals/{proposal['id']}/reject",
        headers=coordinator,
        json={"reason": "Met before."},
    )
    assert rejected.status_code == 200, rejected.text
    second = post(client, coordinator, "/match-runs")
    unmatched = client.get(f"/match-runs/{second['id']}/unmatched", headers=coordinator).json()
    (item,) = unmatched["data"]
    assert item["reason_code"] == "all_excluded"
    assert "meeting mode" not in item["reason"]
    assert item["reason"] == (
        "every mentor who could meet this mentee is excluded for them; "
        f"closest: Pat Lowe ({proposal['score']:.2f}), was rejected for this mentee (Met before.)"
    )


def test_a_weaker_proposal_says_who_has_the_better_mentor_and_why(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    readme_cohort(client, coordinator)
    # A second mentee wanting pricing most: Jo Adams fits best, but Lee Brown meets only
    # in person in London, where Jo Adams is the only mentor.
    post(
        client,
        coordinator,
        "/mentees",
        **mentee_payload(
            name="Kim Hale",
            primary_sector="community_health",
            needs=[{"skill": "pricing", "priority": 3}],
            region="north_west",
            meeting_mode="remote",
        ),
    )
    jo = client.get("/mentors", headers=coordinator, params={"q": "Jo Adams"}).json()["data"][0]
    client.patch(f"/mentors/{jo['id']}", headers=coordinator, json={"capacity": 1})
    run = post(client, coordinator, "/match-runs")
    by_mentee = proposals_by_mentee(client, coordinator, run["id"])
    kim = by_mentee["Kim Hale"]
    assert kim["mentor"]["name"] != "Jo Adams"
    assert kim["runner_up"]["name"] == "Jo Adams"
    assert kim["runner_up_score"] > kim["score"]
    assert kim["reason"].endswith(
        f"; not the best eligible mentor: Jo Adams ({kim['runner_up_score']:.2f}) is proposed "
        "to Lee Brown, who has no other eligible mentor; swapping them would leave Lee Brown "
        "unmatched"
    )
    assert by_mentee["Lee Brown"]["mentor"]["name"] == "Jo Adams"


def unmatched_of(client: TestClient, headers: dict[str, str], run_id: int) -> list[Any]:
    response = client.get(f"/match-runs/{run_id}/unmatched", headers=headers)
    return response.json()["data"]  # type: ignore[no-any-return]


def test_waiting_bonus_counts_decided_or_final_runs_only(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    post(client, coordinator, "/mentors", **mentor_payload(capacity=1))
    weaker = post(
        client,
        coordinator,
        "/mentees",
        **mentee_payload(name="Weaker Fit", needs=[{"skill": "pricing", "priority": 1}]),
    )["mentee"]["id"]
    post(client, coordinator, "/mentees", **mentee_payload(name="Better Fit"))
    body = {"waiting_bonus": 0.5}
    for _ in range(10):  # trial runs nobody decides on
        trial = post(client, coordinator, "/match-runs", **body)
        assert trial["mentees_with_waiting_bonus"] == 0
        (proposal,) = proposals_by_mentee(client, coordinator, trial["id"]).values()
        assert proposal["mentee"]["name"] == "Better Fit"
        assert proposal["waiting_bonus"] == 0
    (left,) = unmatched_of(client, coordinator, trial["id"])
    assert (left["mentee"]["id"], left["waiting_bonus"]) == (weaker, 0)

    final = post(client, coordinator, "/match-runs", final=True, **body)
    assert final["final"] is True
    after_final = post(client, coordinator, "/match-runs", **body)
    assert after_final["mentees_with_waiting_bonus"] == 1
    (proposal,) = proposals_by_mentee(client, coordinator, after_final["id"]).values()
    assert (proposal["mentee"]["name"], proposal["waiting_bonus"]) == ("Weaker Fit", 0.5)

    # Deciding on a trial run makes it count too: one more run waited.
    (trial_proposal,) = proposals_by_mentee(client, coordinator, trial["id"]).values()
    rejected = client.post(
        f"/match-runs/{trial['id']}/proposals/{trial_proposal['id']}/reject",
        headers=coordinator,
        json={"reason": "Trying another mentor."},
    )
    assert rejected.status_code == 200, rejected.text
    # The better fit is now excluded from the mentor, so only the weaker one is considered.
    last = post(client, coordinator, "/match-runs", **body)
    (proposal,) = proposals_by_mentee(client, coordinator, last["id"]).values()
    assert (proposal["mentee"]["name"], proposal["waiting_bonus"]) == ("Weaker Fit", 1.0)
