"""A match run in a real browser: start it, review it, reject one proposal, accept the rest."""

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server, Visit, sign_in
from tests.factories import mentee_payload, mentor_payload

pytestmark = pytest.mark.browser


def sector_cohort(server: Server, mentees: int = 3, mentors: int = 2) -> dict[str, Any]:
    """A sector of its own, with mentees and mentors in it, so that a run can pick them out."""
    tag = uuid.uuid4().hex[:6]
    code = f"test_sector_{tag}"
    label = f"Test sector {tag}"
    created = server.api(
        "POST", "/taxonomy/sector", json={"code": code, "label": label, "group": "health"}
    )
    assert created.status_code == 201, created.text
    people: dict[str, Any] = {"code": code, "label": label, "mentees": [], "mentors": []}
    for number in range(mentors):
        people["mentors"].append(
            server.api(
                "POST",
                "/mentors",
                json=mentor_payload(
                    name=f"Mentor {number} {tag}",
                    email=f"mentor-{number}-{tag}@example.org",
                    sectors=[code],
                    capacity=1,
                ),
            ).json()["mentor"]
        )
    for number in range(mentees):
        people["mentees"].append(
            server.api(
                "POST",
                "/mentees",
                json=mentee_payload(
                    name=f"Mentee {number} {tag}",
                    email=f"mentee-{number}-{tag}@example.org",
                    primary_sector=code,
                    other_sectors=[],
                ),
            ).json()["mentee"]
        )
    return people


def test_a_coordinator_runs_reviews_and_decides(visit: Visit) -> None:
    page, server = visit.page, visit.server
    cohort = sector_cohort(server)

    sign_in(visit)
    page.get_by_role("link", name="Match runs").click()
    expect(page).to_have_title("Match runs – mentormatch")
    visit.check("match runs")

    page.get_by_role("button", name="Start a match run").click()
    expect(page).to_have_title("Start a match run – mentormatch")
    visit.check("start a match run")

    # A minimum score above 1: the API's words beside the field, and nothing started.
    page.get_by_label("Minimum score").fill("2")
    page.get_by_label(cohort["label"]).check()
    page.get_by_role("button", name="Start match run").click()
    expect(page).to_have_title("Error: Start a match run – mentormatch")
    expect(page.locator("#min_score-error")).to_contain_text(
        "Input should be less than or equal to 1"
    )
    expect(page.get_by_label(cohort["label"])).to_be_checked()
    visit.check("start a match run with a wrong minimum score")

    page.get_by_label("Minimum score").fill("0.1")
    page.get_by_role("button", name="Start match run").click()
    expect(page).to_have_title(re.compile(r"^Match run \d+ – mentormatch$"))
    # Only this test's mentees are in the cohort; mentors from other tests may take them.
    expect(page.locator(".govuk-notification-banner")).to_contain_text("for 3 waiting mentees")
    visit.check("match run review")
    run_id = int(page.url.rsplit("/", 1)[1])
    matched = server.api("GET", f"/match-runs/{run_id}").json()["matched_count"]
    assert matched >= 2
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"proposed {matched} pairings"
    )
    expect(page.locator("#unmatched ~ .mm-table-scroll tbody tr")).to_have_count(3 - matched)
    scores = [
        float(text)
        for text in page.locator(
            "table.mm-proposals tbody tr td:nth-child(4) strong"
        ).all_inner_texts()
    ]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) == matched

    # Compare the best pair side by side, then reject it, with a reason.
    page.locator("table.mm-proposals tbody tr").first.get_by_role(
        "link", name=re.compile("^Compare")
    ).click()
    expect(page).to_have_title(re.compile(r" with .* – mentormatch$"))
    expect(page.get_by_text("Governance and boards (essential)")).to_be_visible()
    visit.check("pair page")
    page.get_by_role("button", name="Reject").click()
    expect(page).to_have_title("Reject this proposal? – mentormatch")
    visit.check("reject a proposal")
    page.get_by_label("Reason").fill("They sit on the same board.")
    page.get_by_role("button", name="Reject proposal").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "will not be proposed to each other again"
    )
    visit.check("match run review after a rejection")

    page.get_by_role("button", name="Accept everything still possible").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Accepted {matched - 1} proposal"
    )
    expect(page.get_by_role("button", name="Accept everything still possible")).to_have_count(0)
    visit.check("match run review after accepting")

    statuses = sorted(
        p["status"] for p in server.api("GET", f"/match-runs/{run_id}/proposals").json()["data"]
    )
    assert statuses == ["accepted"] * (matched - 1) + ["rejected"]
    download = page.get_by_role("link", name="Download the proposals (CSV)")
    with page.expect_download() as caught:
        download.click()
    assert caught.value.suggested_filename == f"match-run-{run_id}-proposals.csv"
