"""Every console page at desktop and phone widths: photographed, axe-clean, no sideways scroll."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import WIDTHS, Visit, sign_in
from tests.browser.test_console import register_pair

pytestmark = pytest.mark.browser


def test_every_page_at_1280_and_390_pixels(sqlite_visit: Visit) -> None:
    visit = sqlite_visit
    page, server = visit.page, visit.server
    mentee, mentor = register_pair(server)
    exclusion = server.api(
        "POST",
        "/exclusions",
        json={"mentee_id": mentee["id"], "mentor_id": mentor["id"], "note": "Same board."},
    ).json()
    run = server.api("POST", "/match-runs", json={"min_score": 0}).json()
    proposal = server.api("GET", f"/match-runs/{run['id']}/proposals").json()["data"][0]
    paired, _ = register_pair(server)
    pairing = server.api(
        "POST", "/pairings", json={"mentee_id": paired["id"], "mentor_id": mentor["id"]}
    ).json()
    pages = {
        "dashboard": "/console",
        "taxonomy": "/console/taxonomy",
        "add a term": "/console/taxonomy/sector/new",
        "change a label": "/console/taxonomy/region/london/label",
        "exclusions": "/console/exclusions",
        "add an exclusion": "/console/exclusions/new",
        "lift an exclusion": f"/console/exclusions/{exclusion['id']}/lift",
        "mentees": "/console/mentees",
        "mentors": "/console/mentors",
        "mentors filtered": "/console/mentors?sector=housing&status=paused&q=nobody",
        "mentee": f"/console/mentees/{mentee['id']}",
        "mentor": f"/console/mentors/{mentor['id']}",
        "erase a mentor": f"/console/mentors/{mentor['id']}/erase",
        "match runs": "/console/match-runs",
        "start a match run": "/console/match-runs/new",
        "match run review": f"/console/match-runs/{run['id']}",
        "reject a proposal": f"/console/match-runs/{run['id']}/proposals/{proposal['id']}/reject",
        "pair page": f"/console/match-runs/{run['id']}/proposals/{proposal['id']}",
        "pairings": "/console/pairings",
        "pairings filtered": "/console/pairings?status=active&fit=not_a_fit&ending=soon",
        "end a pairing": f"/console/pairings/{pairing['id']}/end",
        "pair by hand": f"/console/pairings/new?mentee_id={mentee['id']}",
        "import": "/console/import",
        "page not found": "/console/no-such-page",
    }
    for width in WIDTHS.values():
        visit.resize(width)
        visit.goto("/console/sign-in", "sign in")
        assert visit.too_wide() == []
    sign_in(visit)
    for width in WIDTHS.values():
        visit.resize(width)
        for label, path in pages.items():
            visit.goto(path, label)
            assert visit.too_wide() == [], f"{label} is wider than {width} px"

    # On a phone the navigation folds behind a menu button, which opens it.
    page.goto(server.base_url + "/console")
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="Exclusions")).to_be_hidden()
    menu.click()
    page.get_by_role("link", name="Exclusions").click()
    expect(page).to_have_title("Exclusions – mentormatch")


def test_the_api_documentation_works_offline(sqlite_visit: Visit) -> None:
    visit = sqlite_visit
    page = visit.page
    page.goto(visit.server.base_url + "/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("mentormatch")
    visit.photo("swagger ui")
    page.goto(visit.server.base_url + "/redoc")
    # ReDoc renders the whole document in the browser: slow on a busy machine.
    expect(page.get_by_role("heading", level=1)).to_contain_text("mentormatch", timeout=30_000)
    visit.photo("redoc")
    assert visit.problems == []
