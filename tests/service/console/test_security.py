"""What protects the console: who may open each route, CSRF tokens, headers.

Every route the console serves is classified below, so that a new page cannot be
added without deciding who may use it; every state-changing route is a POST that
refuses a form without this session's CSRF token, before anything changes.
"""

import base64
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, SQLModel, select

from service.models import Exclusion, ExclusionReason, TaxonomyTerm
from tests.factories import mentee_payload, mentor_payload
from tests.service.console.conftest import ConsoleClient, title_of

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routers are flattened into app.routes
    iter_route_contexts = iter  # type: ignore[assignment]

# Routes anyone may reach: the front door and the sign-in page.
PUBLIC = {("GET", "/"), ("GET", "/console/sign-in"), ("POST", "/console/sign-in")}
# Pages for a signed-in coordinator only (anyone else is sent to sign in).
PAGES = {
    ("GET", "/console"),
    ("GET", "/console/charts/{key}.{sheet_format}"),
    ("GET", "/console/taxonomy"),
    ("GET", "/console/taxonomy/{vocabulary}/new"),
    ("GET", "/console/taxonomy/{vocabulary}/{code}/label"),
    ("GET", "/console/exclusions"),
    ("GET", "/console/exclusions/new"),
    ("GET", "/console/exclusions/{exclusion_id}/lift"),
    ("GET", "/console/mentees"),
    ("GET", "/console/mentees/{person_id}"),
    ("GET", "/console/mentees/{person_id}/erase"),
    ("GET", "/console/mentors"),
    ("GET", "/console/mentors/{person_id}"),
    ("GET", "/console/mentors/{person_id}/erase"),
    ("GET", "/console/match-runs"),
    ("GET", "/console/match-runs/new"),
    ("GET", "/console/match-runs/{run_id}"),
    ("GET", "/console/match-runs/{run_id}/proposals.csv"),
    ("GET", "/console/match-runs/{run_id}/unmatched.csv"),
    ("GET", "/console/match-runs/{run_id}/proposals/{proposal_id}/reject"),
    ("GET", "/console/match-runs/{run_id}/proposals/{proposal_id}"),
    ("GET", "/console/pairings"),
    ("GET", "/console/pairings/{pairing_id}/end"),
    ("GET", "/console/import"),
    ("GET", "/console/pairings/new"),
    ("GET", "/console/mentors.csv"),
    ("GET", "/console/mentees.csv"),
}
# Forms of a signed-in coordinator, each with a concrete address to forge.
FORMS = {
    ("POST", "/console/sign-out"): "/console/sign-out",
    ("POST", "/console/taxonomy/{vocabulary}/new"): "/console/taxonomy/skill/new",
    ("POST", "/console/taxonomy/{vocabulary}/{code}/label"): "/console/taxonomy/skill/tupe/label",
    ("POST", "/console/taxonomy/{vocabulary}/{code}/retire"): "/console/taxonomy/skill/tupe/retire",
    (
        "POST",
        "/console/taxonomy/{vocabulary}/{code}/reinstate",
    ): "/console/taxonomy/region/london/reinstate",
    ("POST", "/console/exclusions/new"): "/console/exclusions/new",
    ("POST", "/console/exclusions/{exclusion_id}/lift"): "/console/exclusions/{exclusion_id}/lift",
    ("POST", "/console/mentees/{person_id}/status"): "/console/mentees/{mentee_id}/status",
    ("POST", "/console/mentees/{person_id}/erase"): "/console/mentees/{mentee_id}/erase",
    ("POST", "/console/mentors/{person_id}/status"): "/console/mentors/{mentor_id}/status",
    ("POST", "/console/mentors/{person_id}/erase"): "/console/mentors/{mentor_id}/erase",
    ("POST", "/console/match-runs/new"): "/console/match-runs/new",
    ("POST", "/console/match-runs/{run_id}/accept"): "/console/match-runs/{run_id}/accept",
    (
        "POST",
        "/console/match-runs/{run_id}/proposals/{proposal_id}/reject",
    ): "/console/match-runs/{run_id}/proposals/{proposal_id}/reject",
    ("POST", "/console/pairings/{pairing_id}/end"): "/console/pairings/{pairing_id}/end",
    ("POST", "/console/import"): "/console/import",
    ("POST", "/console/pairings/new"): "/console/pairings/new",
    ("POST", "/console/mentees/{person_id}/token"): "/console/mentees/{mentee_id}/token",
    ("POST", "/console/mentors/{person_id}/token"): "/console/mentors/{mentor_id}/token",
}
# Valid fields for each form, so that only the CSRF token decides the outcome.
FIELDS: dict[str, Callable[[dict[str, int]], dict[str, str]]] = {
    "/console/taxonomy/skill/new": lambda ids: {
        "code": "forged",
        "label": "Forged",
        "group": "finance",
    },
    "/console/taxonomy/skill/tupe/label": lambda ids: {"label": "Forged label"},
    "/console/exclusions/new": lambda ids: {
        "mentee_id": str(ids["mentee"]),
        "mentor_id": str(ids["other_mentor"]),
        "reason": "other",
    },
    "/console/mentees/{mentee_id}/status": lambda ids: {"status": "withdrawn"},
    "/console/mentors/{mentor_id}/status": lambda ids: {"status": "paused"},
    "/console/match-runs/new": lambda ids: {
        "weights.skills": "1",
        "weights.sector": "1",
        "weights.region": "1",
        "weights.experience": "1",
        "min_score": "0",
        "objective": "max_matched",
        "balance": "0",
        "waiting_bonus": "0",
    },
    "/console/match-runs/{run_id}/accept": lambda ids: {"accept": "possible"},
    "/console/match-runs/{run_id}/proposals/{proposal_id}/reject": lambda ids: {"reason": "Forged"},
    "/console/pairings/{pairing_id}/end": lambda ids: {"status": "completed"},
    "/console/pairings/new": lambda ids: {
        "mentee_id": str(ids["mentee"]),
        "mentor_id": str(ids["other_mentor"]),
    },
    "/console/import": lambda ids: {
        "register": "mentors",
        "content": base64.b64encode(
            b"name,email,organisation,kind,home_region,sectors,skills\n"
            b"Forged,forged@example.org,Org,peer,wales,housing,tupe\n"
        ).decode(),
    },
}


def console_routes(app: object) -> set[tuple[str, str]]:
    operations = set()
    for route in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        path = route.path or ""
        if path == "/" or path == "/console" or path.startswith("/console/"):
            for method in route.methods or ():
                if method != "HEAD":
                    operations.add((method, path))
    return operations


def test_every_console_route_is_classified(client: TestClient) -> None:
    assert console_routes(client.app) == PUBLIC | PAGES | set(FORMS)
    assert all(method == "POST" for method, _ in FORMS), "state changes only through POST"


@pytest.fixture
def people(client: TestClient, coordinator: dict[str, str], session: Session) -> dict[str, int]:
    mentee = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["mentee"]
    mentor = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()["mentor"]
    other = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()["mentor"]
    exclusion = Exclusion(
        mentee_id=mentee["id"], mentor_id=mentor["id"], reason=ExclusionReason.declined
    )
    session.add(exclusion)
    session.commit()
    assert exclusion.id is not None
    paired = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()["mentee"]
    pairing = client.post(
        "/pairings", json={"mentee_id": paired["id"], "mentor_id": other["id"]}, headers=coordinator
    ).json()
    run = client.post("/match-runs", json={"min_score": 0}, headers=coordinator).json()
    proposals = client.get(f"/match-runs/{run['id']}/proposals", headers=coordinator).json()
    return {
        "mentee": mentee["id"],
        "mentor": mentor["id"],
        "other_mentor": other["id"],
        "exclusion": exclusion.id,
        "run": run["id"],
        "proposal": proposals["data"][0]["id"],
        "pairing": pairing["id"],
    }


def snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the sessions', to show that nothing changed."""
    session.expire_all()
    tables = {}
    for table in SQLModel.metadata.sorted_tables:
        if table.name != "console_session":
            rows = session.execute(select(table)).all()
            tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def forged(path: str, people: dict[str, int]) -> tuple[str, dict[str, str]]:
    address = path.format(
        exclusion_id=people["exclusion"],
        mentee_id=people["mentee"],
        mentor_id=people["mentor"],
        run_id=people["run"],
        proposal_id=people["proposal"],
        pairing_id=people["pairing"],
    )
    return address, FIELDS.get(path, lambda ids: {})(people)


@pytest.mark.parametrize("csrf_token", [None, "", "0" * 64], ids=["absent", "empty", "wrong"])
@pytest.mark.parametrize("path", sorted(FORMS.values()))
def test_a_form_without_this_sessions_csrf_token_is_refused_and_changes_nothing(
    console: ConsoleClient,
    session: Session,
    people: dict[str, int],
    path: str,
    csrf_token: str | None,
) -> None:
    address, fields = forged(path, people)
    if csrf_token is not None:
        fields["csrf_token"] = csrf_token
    session.execute(
        TaxonomyTerm.__table__.update()  # type: ignore[attr-defined]
        .where(TaxonomyTerm.code == "london")
        .values(retired=True)
    )
    session.commit()
    before = snapshot(session)
    response = console.client.post(address, data=fields)
    assert response.status_code == 403
    assert title_of(response.text) == "Sorry, that form cannot be used – mentormatch"
    assert "Nothing was changed" in response.text
    assert snapshot(session) == before


@pytest.mark.parametrize("path", sorted(FORMS.values()))
def test_the_same_forms_with_the_token_do_change_something(
    console: ConsoleClient, session: Session, people: dict[str, int], path: str
) -> None:
    # The counterpart of the refusal above: these forged forms were refused only for
    # their missing token.
    address, fields = forged(path, people)
    session.execute(
        TaxonomyTerm.__table__.update()  # type: ignore[attr-defined]
        .where(TaxonomyTerm.code == "london")
        .values(retired=True)
    )
    session.commit()
    before = snapshot(session)
    response = console.post(address, fields)
    # A new token is shown in the answer itself; every other form redirects.
    assert response.status_code == (200 if path.endswith("/token") else 303), response.text
    if path != "/console/sign-out":
        assert snapshot(session) != before


@pytest.mark.parametrize("path", sorted(FORMS.values()))
def test_a_form_from_another_site_is_refused_even_with_the_token(
    console: ConsoleClient, session: Session, people: dict[str, int], path: str
) -> None:
    address, fields = forged(path, people)
    before = snapshot(session)
    response = console.post(address, fields, headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403
    assert snapshot(session) == before


@pytest.mark.parametrize("path", sorted(FORMS.values()))
def test_a_form_without_a_session_goes_to_sign_in_and_changes_nothing(
    browser: TestClient, session: Session, people: dict[str, int], path: str
) -> None:
    address, fields = forged(path, people)
    before = snapshot(session)
    response = browser.post(address, data=fields)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/sign-in"
    assert snapshot(session) == before


@pytest.mark.parametrize("path", ["/console/sign-out", "/console/taxonomy/skill/tupe/retire"])
def test_a_state_change_cannot_be_made_with_a_get(console: ConsoleClient, path: str) -> None:
    response = console.get(path)
    assert response.status_code == 405
    assert title_of(response.text) == "Page not found – mentormatch"


def test_console_pages_are_not_stored_framed_or_given_foreign_scripts(
    console: ConsoleClient,
) -> None:
    response = console.get("/console")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce
    # Inline scripts run only with the response's nonce; the rest are the app's files.
    inline = re.findall(r"<script( nonce=\"[^\"]*\")?>", response.text)
    assert inline == [f' nonce="{nonce.group(1)}"']
    sources = re.findall(r'<script[^>]* src="([^"]+)"', response.text)
    assert sources
    assert all(source.startswith("/console/static/") for source in sources)
    assert console.get("/console").headers["content-security-policy"] != policy


@pytest.mark.parametrize("path", ["/console/sign-in", "/console/nowhere", "/"])
def test_every_console_answer_is_kept_out_of_caches(browser: TestClient, path: str) -> None:
    response = browser.get(path)
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_errors_on_console_addresses_are_pages_and_the_apis_stay_json(
    console: ConsoleClient, client: TestClient
) -> None:
    page = console.get("/console/exclusions/999999/lift")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No exclusion with id 999999." in page.text
    assert console.get("/console/taxonomy/nonsense/new").status_code == 404
    assert console.get("/console/exclusions?page=0").status_code == 422
    api = client.get("/exclusions/999999", headers={})
    assert api.headers["content-type"] == "application/problem+json"
