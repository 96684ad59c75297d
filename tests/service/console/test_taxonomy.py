"""The taxonomy page: the same rules and words as the API's /taxonomy."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.service.console.conftest import (
    ConsoleClient,
    error_messages,
    plain,
    summary_errors,
    title_of,
)


def row_of(html: str, code: str) -> str:
    """The table row of the term with this code, as plain text."""
    for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html, re.S):
        if f"<code>{code}</code>" in row:
            return plain(row)
    raise AssertionError(f"no row for {code}")


def test_the_page_lists_every_vocabulary_with_labels_codes_groups_and_state(
    console: ConsoleClient, client: TestClient
) -> None:
    page = console.get("/console/taxonomy")
    assert page.status_code == 200
    assert title_of(page.text) == "Taxonomy – mentormatch"
    assert 'aria-current="page"' in page.text
    taxonomy = client.get("/taxonomy").json()
    for terms in taxonomy.values():
        for term in terms:
            assert f"<code>{term['code']}</code>" in page.text
    for heading in ("Sector groups", "Sectors", "Skill groups", "Skills", "Regions"):
        assert f">{heading}</h2>" in page.text
    assert row_of(page.text, "adult_social_care").startswith(
        "Adult social care adult_social_care Social care In use"
    )


def test_a_coordinator_adds_a_skill_in_a_group(console: ConsoleClient, client: TestClient) -> None:
    form = console.get("/console/taxonomy/skill/new")
    assert title_of(form.text) == "Add a skill – mentormatch"
    response = console.post(
        "/console/taxonomy/skill/new",
        {"code": "procurement_law", "label": "Procurement law", "group": "commercial"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/console/taxonomy"
    page = console.get(response.headers["location"])
    assert "Added the skill Procurement law (procurement_law)" in page.text
    assert row_of(page.text, "procurement_law").startswith("Procurement law procurement_law")
    assert {
        "code": "procurement_law",
        "label": "Procurement law",
        "group": "commercial",
        "retired": False,
    } in client.get("/taxonomy").json()["skills"]
    # The flash is shown once.
    assert "Added the skill" not in console.get("/console/taxonomy").text


@pytest.mark.parametrize(
    ("vocabulary", "fields"),
    [
        ("skill", {"code": "Not A Code", "label": "", "group": "commercial"}),
        ("skill", {"code": "pricing", "label": "Pricing again", "group": "commercial"}),
        ("sector", {"code": "new_sector", "label": "New sector", "group": ""}),
        ("sector", {"code": "new_sector", "label": "New sector", "group": "finance"}),
    ],
    ids=["bad-code-no-label", "duplicate", "no-group", "wrong-group"],
)
def test_a_refused_term_shows_the_apis_words_beside_the_field_and_in_the_summary(
    console: ConsoleClient,
    client: TestClient,
    coordinator: dict[str, str],
    vocabulary: str,
    fields: dict[str, str],
) -> None:
    before = client.get("/taxonomy").json()
    response = console.post(f"/console/taxonomy/{vocabulary}/new", fields)
    assert client.get("/taxonomy").json() == before
    payload = {key: value or None for key, value in fields.items()}
    if payload["label"] is None:
        payload["label"] = ""
    api = client.post(f"/taxonomy/{vocabulary}", json=payload, headers=coordinator)
    assert response.status_code == api.status_code
    assert title_of(response.text).startswith("Error: ")
    body = api.json()
    expected = body["errors"] or [{"field": "code", "message": body["detail"]}]
    labels = {"code": "Code", "label": "Label", "group": "Group"}
    shown = error_messages(response.text)
    for error in expected:
        assert f"Error: {error['message']}" in shown
    assert summary_errors(response.text) == [
        f"{labels[error['field']]}: {error['message']}" for error in expected
    ]
    # What was typed is kept, to correct it.
    assert f'value="{fields["code"]}"' in response.text


def test_the_group_choice_offers_only_groups_in_use(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    client.patch("/taxonomy/skill_group/finance", json={"retired": True}, headers=coordinator)
    form = console.get("/console/taxonomy/skill/new").text
    offered = re.findall(r'<option value="([^"]*)"', form)
    groups = client.get("/taxonomy").json()["skill_groups"]
    assert offered == [""] + [group["code"] for group in groups if not group["retired"]]
    assert "finance" not in offered
    assert len(offered) == len(groups)
    assert "group" not in re.findall(
        r'name="([^"]+)"', console.get("/console/taxonomy/region/new").text
    )


def test_a_coordinator_relabels_a_term(console: ConsoleClient, client: TestClient) -> None:
    form = console.get("/console/taxonomy/region/london/label")
    assert form.status_code == 200
    assert 'value="London"' in form.text
    response = console.post("/console/taxonomy/region/london/label", {"label": "Greater London"})
    assert response.status_code == 303
    assert "now labelled Greater London" in console.get(response.headers["location"]).text
    regions = {term["code"]: term["label"] for term in client.get("/taxonomy").json()["regions"]}
    assert regions["london"] == "Greater London"


def test_an_empty_label_is_refused_with_the_apis_words(
    console: ConsoleClient, client: TestClient
) -> None:
    response = console.post("/console/taxonomy/region/london/label", {"label": ""})
    assert response.status_code == 422
    assert error_messages(response.text) == ["Error: String should have at least 1 character"]
    assert title_of(response.text) == "Error: Change the label – mentormatch"
    regions = {term["code"]: term["label"] for term in client.get("/taxonomy").json()["regions"]}
    assert regions["london"] == "London"


def test_an_unknown_term_is_a_page_not_found(console: ConsoleClient) -> None:
    response = console.get("/console/taxonomy/region/atlantis/label")
    assert response.status_code == 404
    assert "No region term with code &#39;atlantis&#39;." in response.text
    assert console.post("/console/taxonomy/region/atlantis/retire").status_code == 404


def test_retiring_and_reinstating_without_javascript(
    console: ConsoleClient, client: TestClient
) -> None:
    response = console.post("/console/taxonomy/skill/tupe/retire")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/taxonomy"
    page = console.get("/console/taxonomy").text
    assert "Retired the skill TUPE" in page
    assert "Retired" in row_of(page, "tupe")
    assert "Reinstate TUPE" in row_of(page, "tupe")
    skills = {term["code"]: term for term in client.get("/taxonomy").json()["skills"]}
    assert skills["tupe"]["retired"] is True

    assert console.post("/console/taxonomy/skill/tupe/reinstate").status_code == 303
    row = row_of(console.get("/console/taxonomy").text, "tupe")
    assert "In use" in row
    assert "Retire TUPE" in row


def test_htmx_gets_the_vocabulary_back_with_what_happened(console: ConsoleClient) -> None:
    response = console.post("/console/taxonomy/skill/tupe/retire", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="skill"')
    assert "Reinstate TUPE" in row_of(response.text, "tupe")
    status = re.search(r'<div id="mm-status"[^>]*hx-swap-oob="true">(.*?)</div>', response.text)
    assert status
    assert status.group(1).startswith("Retired the skill TUPE")
    # The button keeps its id, so that htmx gives it back the focus.
    assert 'id="toggle-skill-tupe"' in response.text


def test_text_holding_a_nul_character_is_refused_as_the_api_refuses_it(
    console: ConsoleClient, client: TestClient
) -> None:
    before = client.get("/taxonomy").json()
    response = console.post(
        "/console/taxonomy/region/new", {"code": "nul_region", "label": "Bad\x00label"}
    )
    assert response.status_code == 422
    assert "must not contain NUL characters" in response.text
    assert client.get("/taxonomy").json() == before
