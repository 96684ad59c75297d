"""Mentors and mentees in a real browser: filter, open a profile, change a status, erase."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in
from tests.browser.test_console import register_pair

pytestmark = pytest.mark.browser


def test_a_coordinator_finds_pauses_and_erases_a_mentor(visit: Visit) -> None:
    page, server = visit.page, visit.server
    mentee, mentor = register_pair(server)
    name = str(mentor["name"])

    sign_in(visit)
    page.get_by_role("link", name="Mentors", exact=True).click()
    expect(page).to_have_title("Mentors – mentormatch")
    visit.check("mentors")

    page.get_by_label("Name or organisation").fill(name)
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("status").last).to_contain_text(
        "Showing 1 to 1 of 1 mentor matching the filters"
    )
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr").first).to_contain_text("2 of 2")
    visit.check("mentors filtered")

    page.get_by_role("link", name=name).click()
    expect(page).to_have_title(f"{name} – mentormatch")
    visit.check("mentor")

    page.get_by_label("Paused").check()
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{name} is now paused")
    expect(page.get_by_label("Paused")).to_be_checked()
    visit.check("mentor paused")
    assert server.api("GET", f"/mentors/{mentor['id']}").json()["status"] == "paused"

    page.get_by_role("button", name="Issue a new personal token").click()
    expect(page).to_have_title(f"New personal token for {name} – mentormatch")
    token = page.locator("#token").inner_text()
    visit.check("new personal token")
    assert (
        httpx.get(server.base_url + "/me", headers={"Authorization": f"Bearer {token}"}).json()[
            "mentor"
        ]["id"]
        == mentor["id"]
    )
    page.get_by_role("link", name=f"Back to {name}").click()

    page.get_by_role("button", name="Erase this mentor").click()
    expect(page).to_have_title(f"Erase {name}? – mentormatch")
    visit.check("erase a mentor")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_title(f"{name} – mentormatch")
    page.get_by_role("button", name="Erase this mentor").click()
    page.get_by_role("button", name="Erase mentor").click()
    expect(page).to_have_url(re.compile(r"/console/mentors$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Erased {name}")
    visit.check("mentor erased")
    assert server.api("GET", f"/mentors/{mentor['id']}").status_code == 404

    page.get_by_role("link", name="Mentees", exact=True).click()
    expect(page).to_have_title("Mentees – mentormatch")
    page.get_by_role("link", name=str(mentee["name"])).click()
    expect(page).to_have_title(f"{mentee['name']} – mentormatch")
    visit.check("mentee")
