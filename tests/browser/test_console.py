"""A coordinator's journey through the console in a real browser, on both engines."""

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from service.db import make_engine
from service.models import ConsoleSession, utcnow
from tests.browser.conftest import Server, Visit, sign_in
from tests.factories import mentee_payload, mentor_payload

pytestmark = pytest.mark.browser


def register_pair(server: Server) -> tuple[dict[str, object], dict[str, object]]:
    """A mentee and a mentor, registered through the API by the coordinator."""
    tag = uuid.uuid4().hex[:6]
    mentee = server.api(
        "POST",
        "/mentees",
        json=mentee_payload(
            name=f"Alex Reid {tag}",
            email=f"alex-{tag}@example.org",
            organisation="Riverside Home Care CIC",
        ),
    ).json()["mentee"]
    mentor = server.api(
        "POST",
        "/mentors",
        json=mentor_payload(
            name=f"Sam Okafor {tag}",
            email=f"sam-{tag}@example.org",
            organisation="Northern Care Mutual",
        ),
    ).json()["mentor"]
    return mentee, mentor


def skills(server: Server) -> dict[str, dict[str, object]]:
    return {term["code"]: term for term in server.api("GET", "/taxonomy").json()["skills"]}


def test_a_coordinator_curates_the_taxonomy_and_exclusions(visit: Visit) -> None:
    page, server = visit.page, visit.server
    mentee, mentor = register_pair(server)
    code = f"peer_networks_{uuid.uuid4().hex[:6]}"

    sign_in(visit)
    expect(page).to_have_title("Dashboard – mentormatch")
    visit.check("dashboard")

    page.get_by_role("link", name="Taxonomy").click()
    expect(page).to_have_title("Taxonomy – mentormatch")
    visit.check("taxonomy")

    page.get_by_role("link", name="Add a skill", exact=True).click()
    expect(page).to_have_title("Add a skill – mentormatch")
    visit.check("add a skill")

    # A code that is not one, then no group: the API's words, in the summary and beside
    # the field, and what was typed is kept.
    page.get_by_label("Label").fill("Peer networks")
    page.get_by_label("Code").fill("Peer Networks")
    page.get_by_role("button", name="Add skill").click()
    expect(page).to_have_title("Error: Add a skill – mentormatch")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Code: String should match pattern")
    expect(page.locator("#code-error")).to_contain_text("String should match pattern")
    expect(page.get_by_label("Label")).to_have_value("Peer networks")
    visit.check("add a skill with a wrong code")

    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Add skill").click()
    expect(page.locator("#group-error")).to_contain_text("a skill needs a skill_group")
    visit.check("add a skill without a group")
    # The summary's link takes the keyboard to the field.
    page.locator(".govuk-error-summary a").first.click()
    expect(page.get_by_label("Group")).to_be_focused()

    page.get_by_label("Group").select_option(label="Commercial")
    page.get_by_role("button", name="Add skill").click()
    expect(page).to_have_title("Taxonomy – mentormatch")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Added the skill Peer networks ({code})"
    )
    visit.check("skill added")
    assert skills(server)[code]["group"] == "commercial"

    # Retiring is a form; with JavaScript, htmx swaps the section in place.
    toggle = page.locator(f"#toggle-skill-{code}")
    toggle.click()
    expect(toggle).to_contain_text("Reinstate")
    expect(toggle).to_be_focused()
    expect(page.locator("#mm-status")).to_contain_text("Retired the skill Peer networks")
    visit.check("skill retired")
    assert skills(server)[code]["retired"] is True

    page.get_by_role("link", name="Exclusions").click()
    expect(page).to_have_title("Exclusions – mentormatch")
    visit.check("exclusions")

    page.get_by_role("button", name="Add an exclusion").click()
    expect(page).to_have_title("Add an exclusion – mentormatch")
    page.get_by_label("Mentee").select_option(label=f"{mentee['name']} (Riverside Home Care CIC)")
    page.get_by_label("Mentor").select_option(label=f"{mentor['name']} (Northern Care Mutual)")
    page.get_by_label("Declined").check()
    page.get_by_label("Note (optional)").fill("Worked together at the trust.")
    visit.check("add an exclusion")
    page.get_by_role("button", name="Add exclusion").click()
    expect(page).to_have_title("Exclusions – mentormatch")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"{mentee['name']} and {mentor['name']} will not be proposed to each other"
    )
    visit.check("exclusion added")

    page.get_by_role("link", name=re.compile(f"Lift the exclusion of {mentee['name']}")).click()
    expect(page).to_have_title("Lift this exclusion? – mentormatch")
    visit.check("lift an exclusion")
    page.get_by_role("button", name="Lift exclusion").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Lifted the exclusion")
    visit.check("exclusion lifted")
    listed = server.api("GET", "/exclusions", params={"mentee_id": mentee["id"]}).json()
    assert listed["count"] == 0

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Sign in – mentormatch")
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    visit.check("signed out")
    page.goto(server.base_url + "/console/taxonomy")
    expect(page).to_have_title("Sign in – mentormatch")


def test_forged_forms_are_refused_and_change_nothing(visit: Visit) -> None:
    page, server = visit.page, visit.server
    code = f"forged_{uuid.uuid4().hex[:6]}"
    sign_in(visit)

    # A form on a page of the console itself, but without the session's CSRF token.
    page.evaluate(
        """([action, code]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = action;
            for (const [name, value] of [["code", code], ["label", "Forged"],
                                         ["group", "finance"]]) {
                const input = document.createElement("input");
                input.type = "hidden"; input.name = name; input.value = value;
                form.append(input);
            }
            document.body.append(form);
            form.submit();
        }""",
        ["/console/taxonomy/skill/new", code],
    )
    expect(page).to_have_title("Sorry, that form cannot be used – mentormatch")
    visit.check("forged form refused")

    # The same form on another site: the browser does not send the session cookie.
    page.route(
        "http://forger.example/**",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f"""<!doctype html><html lang="en"><title>Win a prize</title>
            <form method="post" action="{server.base_url}/console/taxonomy/skill/new">
              <input type="hidden" name="code" value="{code}">
              <input type="hidden" name="label" value="Forged">
              <input type="hidden" name="group" value="finance">
              <button>Claim</button>
            </form></html>""",
        ),
    )
    page.goto("http://forger.example/prize")
    page.get_by_role("button", name="Claim").click()
    # SameSite=Lax keeps the session cookie off a post from another site: the server
    # sends that browser to sign in, which (signed in after all) goes on to the dashboard.
    page.wait_for_url(f"{server.base_url}/console**")
    expect(page).not_to_have_title(re.compile("Taxonomy"))
    visit.check("forged form from another site")
    assert code not in skills(server)
    # Still signed in: the forgery did not end the session either.
    page.goto(server.base_url + "/console")
    expect(page).to_have_title("Dashboard – mentormatch")


def test_a_participant_token_cannot_open_the_console(visit: Visit) -> None:
    page, server = visit.page, visit.server
    tag = uuid.uuid4().hex[:6]
    registered = server.api(
        "POST", "/mentees", json=mentee_payload(email=f"participant-{tag}@example.org")
    )
    participant_token = registered.json()["token"]
    visit.goto("/console/sign-in", "sign in")
    page.fill("#token", participant_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Error: Sign in – mentormatch")
    expect(page.locator("#token-error")).to_contain_text(
        "This is a mentor's or mentee's personal token, which cannot open the console"
    )
    visit.check("participant token refused")
    page.goto(server.base_url + "/console")
    expect(page).to_have_title("Sign in – mentormatch")


def test_the_keyboard_alone_signs_in(visit: Visit) -> None:
    page, server = visit.page, visit.server
    visit.goto("/console/sign-in", "sign in")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(10):
        if page.evaluate("document.activeElement.id") == "token":
            break
        page.keyboard.press("Tab")
    expect(page.locator("#token")).to_be_focused()
    page.keyboard.type(server.coordinator_token)
    page.keyboard.press("Enter")
    expect(page).to_have_title("Dashboard – mentormatch")
    visit.check("signed in with the keyboard")
    # The navigation is reachable by keyboard too.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Taxonomy":
            break
    page.keyboard.press("Enter")
    expect(page).to_have_title("Taxonomy – mentormatch")


def test_an_expired_session_goes_back_to_sign_in_and_returns(visit: Visit) -> None:
    page, server = visit.page, visit.server
    sign_in(visit)
    engine = make_engine(server.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(hours=2))
            )
    finally:
        engine.dispose()
    page.get_by_role("link", name="Exclusions").click()
    expect(page).to_have_title("Sign in – mentormatch")
    visit.check("session expired")
    page.fill("#token", server.coordinator_token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Exclusions – mentormatch")
