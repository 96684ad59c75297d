"""Pairings in a real browser: find the ones to look at, end one early."""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in
from tests.browser.test_console import register_pair

pytestmark = pytest.mark.browser


def test_a_coordinator_ends_a_pairing_that_is_ending(visit: Visit) -> None:
    page, server = visit.page, visit.server
    mentee, mentor = register_pair(server)
    pairing = server.api(
        "POST", "/pairings", json={"mentee_id": mentee["id"], "mentor_id": mentor["id"]}
    ).json()
    soon = (date.today() + timedelta(days=5)).isoformat()
    server.api("PATCH", f"/pairings/{pairing['id']}", json={"planned_end_on": soon})

    sign_in(visit)
    page.get_by_role("link", name="Pairings", exact=True).click()
    expect(page).to_have_title("Pairings – mentormatch")
    visit.check("pairings")

    page.get_by_label("Status").select_option("active")
    page.get_by_label("Planned to end within 30 days, or overdue").check()
    page.get_by_role("button", name="Apply filters").click()
    row = page.locator("tbody tr", has_text=str(mentee["name"]))
    expect(row).to_contain_text(str(mentor["name"]))
    visit.check("pairings ending soon")

    row.get_by_role("link", name="End").click()
    expect(page).to_have_title("End this pairing – mentormatch")
    visit.check("end a pairing")
    page.get_by_role("button", name="End pairing").click()
    expect(page).to_have_title("Error: End this pairing – mentormatch")
    expect(page.locator("#status-error")).to_contain_text("Field required")
    visit.check("end a pairing without saying how")

    page.get_by_label("Ended early").check()
    page.get_by_label("Reason (optional)").fill("Moved to another job.")
    page.get_by_role("button", name="End pairing").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{mentee['name']} is waiting for a new mentor"
    )
    visit.check("pairing ended")
    ended = server.api("GET", f"/pairings/{pairing['id']}").json()
    assert (ended["status"], ended["end_reason"]) == ("ended_early", "Moved to another job.")


def test_a_coordinator_pairs_a_mentee_by_hand(visit: Visit) -> None:
    page, server = visit.page, visit.server
    mentee, _ = register_pair(server)

    sign_in(visit)
    page.goto(f"{server.base_url}/console/mentees/{mentee['id']}")
    page.get_by_role("link", name=f"Pair {mentee['name']} by hand").click()
    expect(page).to_have_title(f"Pair {mentee['name']} by hand – mentormatch")
    visit.check("pair by hand")
    # Mentors of other tests may rank higher: pair with the best suggestion, whoever it is.
    best = page.locator("tbody tr").first
    chosen = best.locator("a").first.inner_text()
    best.get_by_role("button", name=re.compile("^Pair")).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Paired {mentee['name']} with {chosen}"
    )
    visit.check("paired by hand")
    active = server.api("GET", "/pairings", params={"mentee_id": mentee["id"]}).json()["data"]
    assert [(p["mentor"]["name"], p["status"]) for p in active] == [(chosen, "active")]
