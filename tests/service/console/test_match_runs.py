"""Match runs in the console: start one, review it, accept and reject, download it."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.console.forms import anchor
from service.models import MatchRunCreate
from tests.factories import mentee_payload, mentor_payload
from tests.service.console.conftest import (
    ConsoleClient,
    csrf_token_of,
    error_messages,
    plain,
    summary_errors,
    title_of,
)

# The form starts from the API's own defaults.
_API = MatchRunCreate()
DEFAULTS = {
    **{f"weights.{name}": str(value) for name, value in _API.weights.model_dump().items()},
    "min_score": str(_API.min_score),
    "objective": _API.objective.value,
    "balance": str(_API.balance),
    "waiting_bonus": str(_API.waiting_bonus),
}


def create(client: TestClient, headers: dict[str, str], kind: str, **fields: Any) -> Any:
    payload = mentor_payload(**fields) if kind == "mentor" else mentee_payload(**fields)
    response = client.post(f"/{kind}s", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()[kind]


@pytest.fixture
def cohort(client: TestClient, coordinator: dict[str, str]) -> dict[str, list[Any]]:
    """Three mentees, two mentors with a place each: one mentee is left unmatched."""
    mentors = [
        create(client, coordinator, "mentor", name="Sam Okafor", capacity=1),
        create(
            client,
            coordinator,
            "mentor",
            name="Priya Shah",
            capacity=1,
            skills=["pricing"],
            home_region="london",
            regions_served=[],
        ),
    ]
    mentees = [
        create(client, coordinator, "mentee", name="Alex Reid"),
        create(client, coordinator, "mentee", name="Jo Bloggs"),
        create(client, coordinator, "mentee", name="Lee Chan"),
    ]
    return {"mentors": mentors, "mentees": mentees}


def start(console: ConsoleClient, **changes: str) -> int:
    response = console.post("/console/match-runs/new", {**DEFAULTS, **changes})
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/console/match-runs/(\d+)", response.headers["location"])
    assert found
    return int(found.group(1))


def rows_of(html: str, label: str) -> list[str]:
    table = html.split(f'aria-label="{label}"', 1)[1].split("</table>", 1)[0]
    body = table.split('<tbody class="govuk-table__body">', 1)[1]
    return [plain(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_no_runs_yet(console: ConsoleClient) -> None:
    page = console.get("/console/match-runs")
    assert title_of(page.text) == "Match runs – mentormatch"
    assert "There are no match runs yet." in page.text
    assert 'href="/console/match-runs/new"' in page.text


def test_the_form_offers_the_apis_defaults_and_only_current_terms(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    retired = client.delete("/taxonomy/sector/libraries", headers=coordinator)
    assert retired.status_code in (200, 204), retired.text
    page = console.get("/console/match-runs/new")
    assert title_of(page.text) == "Start a match run – mentormatch"
    for name, value in DEFAULTS.items():
        if name != "objective":
            assert re.search(rf'name="{re.escape(name)}"[^>]*value="{re.escape(value)}"', page.text)
    assert re.search(r'name="objective" type="radio" value="max_matched" checked', page.text)
    assert "3 mentees are waiting, and mentors have 2 places left." in plain(page.text)
    assert 'name="cohort.sectors" type="checkbox" value="housing"' in page.text
    assert 'value="libraries"' not in page.text
    assert 'name="cohort.regions" type="checkbox" value="london"' in page.text


def test_a_run_lands_on_its_review(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    response = console.post("/console/match-runs/new", DEFAULTS)
    assert response.status_code == 303
    run_id = int(response.headers["location"].rsplit("/", 1)[1])
    run = client.get(f"/match-runs/{run_id}", headers=coordinator).json()
    assert run["triggered_by"] == "Console tester"
    assert run["parameters"]["min_score"] == 0.2
    page = console.get(response.headers["location"]).text
    assert f"Run {run_id} proposed 2 pairings for 3 waiting mentees" in page
    assert title_of(page) == f"Match run {run_id} – mentormatch"
    text = plain(page)
    assert "2 mentees matched of 3" in text
    assert f"{run['total_score']:.2f} total score" in text
    assert f"{run['mean_score']:.2f} mean score" in text
    gain = run["extra_matched_over_greedy"]
    assert f"Gain over greedy {'+' if gain > 0 else ''}{gain} mentees matched" in text
    assert "Cohort Everyone waiting, every active mentor" in text

    proposals = client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"]
    best_first = sorted(proposals, key=lambda p: (-p["score"], p["id"]))
    rows = rows_of(page, "Proposals")
    assert len(rows) == 2
    for row, proposal in zip(rows, best_first, strict=True):
        assert row.startswith(
            f"Select {proposal['mentee']['name']} with {proposal['mentor']['name']} "
            f"{proposal['mentee']['name']}"
        )
        assert f"{proposal['score']:.2f}" in row
        assert f"Skills {proposal['components']['skills']:.2f}" in row
        assert proposal["reason"] in row
        who = f"{proposal['mentee']['name']} with {proposal['mentor']['name']}"
        assert row.endswith(f"Proposed Compare {who} Reject {who}")
    unmatched = client.get(f"/match-runs/{run_id}/unmatched", headers=coordinator).json()["data"]
    assert f'href="/console/pairings/new?mentee_id={unmatched[0]["mentee"]["id"]}"' in page
    assert rows_of(page, "Unmatched mentees") == [
        f"{item['mentee']['name']} {item['mentee']['organisation']} {item['reason']} "
        f"Pair by hand {item['mentee']['name']}"
        for item in unmatched
    ]


def test_the_cohort_filter_is_the_apis(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console, **{"cohort.regions": "north_west"})
    run = client.get(f"/match-runs/{run_id}", headers=coordinator).json()
    assert run["parameters"]["cohort"]["regions"] == ["north_west"]
    assert run["mentees_considered"] == 3
    assert "Cohort North West" in plain(console.get(f"/console/match-runs/{run_id}").text)


def test_several_ticked_boxes_all_count(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    data = [
        *DEFAULTS.items(),
        ("cohort.sectors", "adult_social_care"),
        ("cohort.sectors", "housing"),
    ]
    data.append(("csrf_token", console.csrf_token))
    response = console.client.post(
        "/console/match-runs/new",
        content="&".join(f"{name}={value}" for name, value in data),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 303, response.text
    run_id = int(response.headers["location"].rsplit("/", 1)[1])
    run = client.get(f"/match-runs/{run_id}", headers=coordinator).json()
    assert run["parameters"]["cohort"]["sectors"] == ["adult_social_care", "housing"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"min_score": "2"}, "min_score", "Input should be less than or equal to 1"),
        (
            {"min_score": ""},
            "min_score",
            "Input should be a valid number",
        ),
        ({"weights.region": "-1"}, "weights.region", "Input should be greater than or equal to 0"),
        ({"objective": "fastest"}, "objective", "Input should be 'max_matched' or 'max_score'"),
        ({"cohort.sectors": "nowhere"}, "cohort", "unknown sector code 'nowhere'"),
    ],
)
def test_wrong_parameters_are_shown_beside_their_field(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    cohort: Any,
    changes: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = console.post("/console/match-runs/new", {**DEFAULTS, **changes})
    assert response.status_code == 422
    assert title_of(response.text) == "Error: Start a match run – mentormatch"
    assert [m for m in error_messages(response.text) if message in m], error_messages(response.text)
    assert f'href="#{anchor(field.split(".")[0])}"' in response.text
    assert f'id="{anchor(field.split(".")[0])}"' in response.text
    for name, value in changes.items():
        if name not in ("cohort.sectors", "objective"):
            assert re.search(
                rf'name="{re.escape(name)}"[^>]*value="{re.escape(value)}"', response.text
            )
    assert client.get("/match-runs", headers=coordinator).json()["count"] == 0


def test_all_zero_weights_and_an_empty_cohort_are_refused_in_the_apis_words(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    nothing = console.post("/console/match-runs/new", DEFAULTS)
    assert nothing.status_code == 422
    assert summary_errors(nothing.text) == ["Cohort: nothing to match: no mentee is waiting"]
    zero = {f"weights.{name}": "0" for name in ("skills", "sector", "region", "experience")}
    response = console.post("/console/match-runs/new", {**DEFAULTS, **zero})
    assert response.status_code == 422
    api = client.post(
        "/match-runs",
        json={"weights": {"skills": 0, "sector": 0, "region": 0, "experience": 0}},
        headers=coordinator,
    ).json()
    api_messages = [error["message"] for error in api["errors"]]
    assert [summary.split(": ", 1)[1] for summary in summary_errors(response.text)] == api_messages


def test_accepting_a_selection(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    proposals = client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"]
    chosen = proposals[0]
    response = console.post(
        f"/console/match-runs/{run_id}/accept",
        {"accept": "selected", "proposal_ids": str(chosen["id"])},
    )
    assert response.status_code == 303
    page = console.get(f"/console/match-runs/{run_id}").text
    assert "Accepted 1 proposal: they are now active pairings" in page
    active = client.get("/pairings", params={"status": "active"}, headers=coordinator).json()
    assert [(p["mentee_id"], p["mentor_id"]) for p in active["data"]] == [
        (chosen["mentee"]["id"], chosen["mentor"]["id"])
    ]
    assert f'id="proposal-{chosen["id"]}"' not in page
    assert f'id="proposal-{proposals[1]["id"]}"' in page


def test_accepting_nothing_selected_says_what_to_do(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    response = console.post(f"/console/match-runs/{run_id}/accept", {"accept": "selected"})
    assert response.status_code == 422
    assert error_messages(response.text) == [
        "Error: select the proposals to accept, or accept everything still possible"
    ]
    assert 'href="#proposal_ids"' in response.text


def test_a_selection_that_cannot_all_be_accepted_changes_nothing(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    proposals = client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"]
    taken = proposals[0]
    # The mentee is paired by hand with someone else after the run.
    other = create(client, coordinator, "mentor", name="Other Mentor")
    paired = client.post(
        "/pairings",
        json={"mentee_id": taken["mentee"]["id"], "mentor_id": other["id"]},
        headers=coordinator,
    )
    assert paired.status_code == 201, paired.text
    response = console.client.post(
        f"/console/match-runs/{run_id}/accept",
        content="&".join(
            [
                f"csrf_token={console.csrf_token}",
                "accept=selected",
                *(f"proposal_ids={p['id']}" for p in proposals),
            ]
        ),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 409
    assert error_messages(response.text) == [
        f"Error: mentee {taken['mentee']['id']} already has an active pairing"
    ]
    active = client.get("/pairings", params={"status": "active"}, headers=coordinator).json()
    assert active["count"] == 1


def test_accepting_everything_possible_says_what_was_skipped_and_why(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    proposals = client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"]
    taken, free = proposals
    other = create(client, coordinator, "mentor", name="Other Mentor")
    client.post(
        "/pairings",
        json={"mentee_id": taken["mentee"]["id"], "mentor_id": other["id"]},
        headers=coordinator,
    )
    page = console.post(f"/console/match-runs/{run_id}/accept", {"accept": "possible"})
    assert page.status_code == 200
    assert title_of(page.text) == "Accepted 1 proposal – mentormatch"
    api = client.post(
        f"/match-runs/{run_id}/accept", json={"mode": "possible"}, headers=coordinator
    ).json()
    assert api["count"] == 0
    skipped = rows_of(page.text, "Skipped proposals")
    assert len(skipped) == 1
    assert skipped[0].startswith(f"{taken['mentee']['name']} {taken['mentor']['name']} ")
    reason = api["skipped"][0]["reason"] if api["skipped"] else ""
    assert "1 proposal was skipped" in plain(page.text)
    assert skipped[0].lower().endswith(reason.lower()) or "paired" in skipped[0].lower()
    statuses = {
        p["id"]: p["status"]
        for p in client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"]
    }
    assert statuses == {taken["id"]: "proposed", free["id"]: "accepted"}


def test_accepting_everything_with_nothing_skipped_goes_back_to_the_review(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    response = console.post(f"/console/match-runs/{run_id}/accept", {"accept": "possible"})
    assert response.status_code == 303
    page = console.get(f"/console/match-runs/{run_id}").text
    assert "Accepted 2 proposals: they are now active pairings" in page
    assert "Accept everything still possible" not in page


def test_rejecting_a_proposal_asks_why_and_excludes_the_pair(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    proposal = client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"][0]
    address = f"/console/match-runs/{run_id}/proposals/{proposal['id']}/reject"
    form = console.get(address)
    assert title_of(form.text) == "Reject this proposal? – mentormatch"
    assert proposal["reason"] in plain(form.text)
    blank = console.post(address, {"reason": "  "})
    assert blank.status_code == 422
    assert error_messages(blank.text) == ["Error: String should have at least 1 character"]

    response = console.post(address, {"reason": "They already work together."})
    assert response.status_code == 303
    page = console.get(f"/console/match-runs/{run_id}").text
    assert (
        f"Rejected {proposal['mentee']['name']} with {proposal['mentor']['name']}: "
        "they will not be proposed to each other again"
    ) in page
    assert "They already work together." in page
    exclusions = client.get("/exclusions", headers=coordinator).json()["data"]
    assert [(e["mentee_id"], e["mentor_id"], e["reason"]) for e in exclusions] == [
        (proposal["mentee"]["id"], proposal["mentor"]["id"], "rejected_proposal")
    ]
    again = console.get(address)
    assert again.status_code == 409
    assert f"Proposal {proposal['id']} is already rejected." in again.text


def test_the_downloads_are_the_apis(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    for sheet in ("proposals", "unmatched"):
        download = console.get(f"/console/match-runs/{run_id}/{sheet}.csv")
        assert download.status_code == 200
        assert download.headers["content-type"].startswith("text/csv")
        assert (
            f'filename="match-run-{run_id}-{sheet}.csv"' in download.headers["content-disposition"]
        )
        api = client.get(f"/match-runs/{run_id}/{sheet}.csv", headers=coordinator)
        assert download.content == api.content


def test_unknown_runs_and_proposals_are_not_found(console: ConsoleClient, cohort: Any) -> None:
    assert console.get("/console/match-runs/999999").status_code == 404
    run_id = start(console)
    assert console.get(f"/console/match-runs/{run_id}/proposals/999999/reject").status_code == 404
    response = console.post("/console/match-runs/999999/accept", {"accept": "possible"})
    assert response.status_code == 404
    assert "No match run with id 999999." in response.text
    csrf_token_of(console.get(f"/console/match-runs/{run_id}").text)


def test_runs_are_listed_newest_first(console: ConsoleClient, cohort: Any) -> None:
    first = start(console)
    second = start(console, objective="max_score")
    rows = rows_of(console.get("/console/match-runs").text, "Match runs")
    assert [row.split(" ")[1] for row in rows] == [str(second), str(first)]


def test_the_pair_page_shows_both_side_by_side_with_what_they_share(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], cohort: Any
) -> None:
    run_id = start(console)
    proposals = client.get(f"/match-runs/{run_id}/proposals", headers=coordinator).json()["data"]
    proposal = next(p for p in proposals if p["mentor"]["name"] == "Priya Shah")
    review_page = console.get(f"/console/match-runs/{run_id}").text
    address = f"/console/match-runs/{run_id}/proposals/{proposal['id']}"
    assert f'href="{address}"' in review_page
    page = console.get(address)
    assert page.status_code == 200
    assert title_of(page.text) == f"{proposal['mentee']['name']} with Priya Shah – mentormatch"
    text = plain(page.text)
    assert proposal["reason"] in text
    # Priya offers pricing only, serves London only, and knows CICs limited by shares.
    assert "Governance and boards (essential) not offered" in text
    assert "Pricing (nice to have) offered" in text
    assert "Skills Pricing needed" in text
    assert "Adult social care in common" in text
    assert "Region North West Legal form" in text
    assert "Meeting Remote compatible" in text

    accepted = console.post(
        f"/console/match-runs/{run_id}/accept",
        {"accept": "selected", "proposal_ids": str(proposal["id"])},
    )
    assert accepted.status_code == 303
    after = console.get(address).text
    assert "Accept this proposal" not in after
    assert console.get(f"/console/match-runs/{run_id}/proposals/999999").status_code == 404
