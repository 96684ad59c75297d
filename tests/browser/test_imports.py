"""Importing mentors in a real browser: a file with an error, then a good one, previewed first."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Visit, sign_in

pytestmark = pytest.mark.browser

HEADER = "name,email,organisation,kind,home_region,sectors,skills,capacity,meeting_mode"


def test_a_coordinator_previews_then_imports_mentors(visit: Visit) -> None:
    page, server = visit.page, visit.server
    tag = uuid.uuid4().hex[:6]
    good = (
        f"{HEADER}\n"
        f"Ada {tag},ada-{tag}@example.org,Analytical Mutual,peer,london,housing,"
        "tupe;pricing,2,remote\n"
        f"Ben {tag},ben-{tag}@example.org,Riverside CIC,specialist,wales,housing,"
        "pensions,1,either\n"
    )
    wrong = good.replace(",wales,", ",atlantis,")

    sign_in(visit)
    page.get_by_role("link", name="Mentors", exact=True).click()
    page.get_by_role("button", name="Import from a spreadsheet").click()
    expect(page).to_have_title("Import mentors or mentees – mentormatch")
    visit.check("import")

    page.get_by_label("Mentors").check()
    page.get_by_label("File").set_input_files(
        files=[{"name": "mentors.csv", "mimeType": "text/csv", "buffer": wrong.encode()}]
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page).to_have_title("The file cannot be imported – mentormatch")
    expect(page.locator("tbody tr").first).to_contain_text("row 3: home_region")
    visit.check("import with an error")
    assert server.api("GET", "/mentors", params={"q": tag}).json()["count"] == 0

    page.get_by_role("button", name="Upload another file").click()
    page.get_by_label("Mentors").check()
    page.get_by_label("File").set_input_files(
        files=[{"name": "mentors.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page).to_have_title("Check the mentors before importing – mentormatch")
    expect(page.locator(".govuk-summary-list")).to_contain_text("2 mentors")
    visit.check("import preview")
    assert server.api("GET", "/mentors", params={"q": tag}).json()["count"] == 0

    page.get_by_role("button", name="Import mentors").click()
    expect(page).to_have_url(re.compile(r"/console/mentors$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Imported the mentors: 2 created"
    )
    visit.check("mentors imported")
    assert server.api("GET", "/mentors", params={"q": tag}).json()["count"] == 2
