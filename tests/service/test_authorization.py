"""The authorization matrix: every route of the app, called by every kind of caller.

Each route is classified by who may call it; the expected status of every cell
(route x caller) follows from that class, with the few exceptions spelled out. A
test checks that the table names every route the app serves, so that a new route
cannot be added without deciding who may call it.

The callers are: nobody (no token), a mentee and a mentor calling about their own
profile and pairing, another mentee, a coordinator, and a coordinator's token that
was revoked or has expired. Public routes do not read the Authorization header, so
a dead token does not stop anyone reading them.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient
from sqlalchemy import select as sql_select
from sqlmodel import Session, SQLModel, select

from service.crud import mentees, mentors
from service.models import (
    MenteeCreate,
    MentorCreate,
    MessageStatus,
    OutboxMessage,
    Role,
    utcnow,
)
from service.security import issue_token
from tests.factories import bearer, mentee_payload, mentor_payload

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: included routers are flattened into app.routes

    def iter_route_contexts(routes: Iterable[Any]) -> Iterator[Any]:  # type: ignore[misc]
        return iter(routes)


ANONYMOUS = "anonymous"
MENTEE = "mentee"
MENTOR = "mentor"
OTHER_MENTEE = "other-mentee"
COORDINATOR = "coordinator"
REVOKED = "revoked"
EXPIRED = "expired"
ROLES = (ANONYMOUS, MENTEE, MENTOR, OTHER_MENTEE, COORDINATOR, REVOKED, EXPIRED)
PARTICIPANTS = (MENTEE, MENTOR, OTHER_MENTEE)
DEAD_TOKENS = (REVOKED, EXPIRED)


class Access(Enum):
    """Who may call a route."""

    PUBLIC = "anyone; the Authorization header is not read"
    REGISTRATION = "nobody (registration open) or a coordinator; participants refused"
    ME_READ = "any valid token"
    PARTICIPANT = "a participant's valid token; a coordinator has no profile"
    COORDINATOR = "a coordinator's valid token"


def expected_status(access: Access, role: str, ok: int) -> int:
    """The status a caller in ``role`` gets from a route with ``access`` and success ``ok``."""
    if access is Access.PUBLIC:
        return ok
    if role in DEAD_TOKENS:
        return 401
    if access is Access.REGISTRATION:
        # Anyone is heard (202, the same for every address); a coordinator registers (201).
        return {ANONYMOUS: 202, COORDINATOR: ok}.get(role, 403)
    if role == ANONYMOUS:
        return 401
    if access is Access.ME_READ:
        return ok
    if access is Access.PARTICIPANT:
        return ok if role in PARTICIPANTS else 403
    return ok if role == COORDINATOR else 403


@dataclass
class World:
    """People, a pairing, a run and an exclusion, so that every path id exists."""

    headers: dict[str, dict[str, str]]
    mentee_id: int
    mentor_id: int
    other_mentee_id: int
    pairing_id: int
    exclusion_id: int
    run_id: int
    proposal_id: int
    unused_stage: str
    dead_message_id: int
    pending_mentor_id: int
    pending_mentee_id: int


@dataclass(frozen=True)
class Call:
    path: str
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Endpoint:
    method: str
    route: str
    access: Access
    ok: int
    call: Callable[[World], Call]
    # Cells whose status is not the one the access class gives, and why.
    exceptions: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.route


def csv_body(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def mentor_csv() -> bytes:
    payload = mentor_payload()
    return csv_body(
        [
            {
                "name": payload["name"],
                "email": payload["email"],
                "organisation": payload["organisation"],
                "kind": "peer",
                "led_spin_out": "yes",
                "home_region": "london",
                "regions_served": "south_east",
                "meeting_mode": "either",
                "capacity": "2",
                "sectors": "community_health",
                "skills": "governance_boards;tupe",
                "legal_forms": "cic_shares",
            }
        ]
    )


def mentee_csv() -> bytes:
    payload = mentee_payload()
    return csv_body(
        [
            {
                "name": payload["name"],
                "email": payload["email"],
                "organisation": payload["organisation"],
                "legal_form": "cic_guarantee",
                "stage": "spinning_out",
                "primary_sector": "community_health",
                "needs": "governance_boards:3;tupe:2",
                "region": "london",
                "meeting_mode": "in_person",
            }
        ]
    )


CSV = {"Content-Type": "text/csv"}
P, R, M, D, C = (
    Access.PUBLIC,
    Access.REGISTRATION,
    Access.ME_READ,
    Access.PARTICIPANT,
    Access.COORDINATOR,
)

ENDPOINTS: list[Endpoint] = [
    # Documentation and health.
    Endpoint("GET", "/openapi.json", P, 200, lambda w: Call("/openapi.json")),
    Endpoint("GET", "/docs", P, 200, lambda w: Call("/docs")),
    Endpoint("GET", "/docs/oauth2-redirect", P, 200, lambda w: Call("/docs/oauth2-redirect")),
    Endpoint("GET", "/redoc", P, 200, lambda w: Call("/redoc")),
    Endpoint("GET", "/health", P, 200, lambda w: Call("/health")),
    Endpoint("GET", "/health/ready", P, 200, lambda w: Call("/health/ready")),
    # Taxonomy.
    Endpoint("GET", "/taxonomy", P, 200, lambda w: Call("/taxonomy")),
    Endpoint(
        "POST",
        "/taxonomy/{vocabulary}",
        C,
        201,
        lambda w: Call("/taxonomy/region", json={"code": "authz_region", "label": "Authz"}),
    ),
    Endpoint(
        "GET",
        "/taxonomy/{vocabulary}/{code}",
        P,
        200,
        lambda w: Call("/taxonomy/region/north_west"),
    ),
    Endpoint(
        "PATCH",
        "/taxonomy/{vocabulary}/{code}",
        C,
        200,
        lambda w: Call("/taxonomy/region/north_west", json={"label": "North West England"}),
    ),
    Endpoint(
        "DELETE",
        "/taxonomy/{vocabulary}/{code}",
        C,
        204,
        lambda w: Call(f"/taxonomy/stage/{w.unused_stage}"),
    ),
    # Mentors.
    Endpoint("POST", "/mentors", R, 201, lambda w: Call("/mentors", json=mentor_payload())),
    Endpoint("GET", "/mentors", C, 200, lambda w: Call("/mentors")),
    Endpoint("GET", "/mentors/export", C, 200, lambda w: Call("/mentors/export")),
    Endpoint(
        "POST",
        "/mentors/import",
        C,
        200,
        lambda w: Call("/mentors/import", content=mentor_csv(), headers=CSV),
    ),
    Endpoint(
        "POST",
        "/mentors/{mentor_id}/access-token",
        C,
        201,
        lambda w: Call(f"/mentors/{w.mentor_id}/access-token"),
    ),
    Endpoint(
        "POST",
        "/mentors/{mentor_id}/approve",
        C,
        200,
        lambda w: Call(f"/mentors/{w.pending_mentor_id}/approve"),
    ),
    Endpoint("GET", "/mentors/{mentor_id}", C, 200, lambda w: Call(f"/mentors/{w.mentor_id}")),
    Endpoint(
        "PATCH",
        "/mentors/{mentor_id}",
        C,
        200,
        lambda w: Call(f"/mentors/{w.mentor_id}", json={"job_title": "Director"}),
    ),
    Endpoint("DELETE", "/mentors/{mentor_id}", C, 204, lambda w: Call(f"/mentors/{w.mentor_id}")),
    # Mentees.
    Endpoint("POST", "/mentees", R, 201, lambda w: Call("/mentees", json=mentee_payload())),
    Endpoint("GET", "/mentees", C, 200, lambda w: Call("/mentees")),
    Endpoint("GET", "/mentees/export", C, 200, lambda w: Call("/mentees/export")),
    Endpoint(
        "POST",
        "/mentees/import",
        C,
        200,
        lambda w: Call("/mentees/import", content=mentee_csv(), headers=CSV),
    ),
    Endpoint(
        "POST",
        "/mentees/{mentee_id}/access-token",
        C,
        201,
        lambda w: Call(f"/mentees/{w.mentee_id}/access-token"),
    ),
    Endpoint(
        "POST",
        "/mentees/{mentee_id}/approve",
        C,
        200,
        lambda w: Call(f"/mentees/{w.pending_mentee_id}/approve"),
    ),
    Endpoint("GET", "/mentees/{mentee_id}", C, 200, lambda w: Call(f"/mentees/{w.mentee_id}")),
    Endpoint(
        "GET",
        "/mentees/{mentee_id}/suggestions",
        C,
        200,
        lambda w: Call(f"/mentees/{w.other_mentee_id}/suggestions"),
    ),
    Endpoint(
        "PATCH",
        "/mentees/{mentee_id}",
        C,
        200,
        lambda w: Call(f"/mentees/{w.mentee_id}", json={"goals": "Win the re-tender."}),
    ),
    Endpoint("DELETE", "/mentees/{mentee_id}", C, 204, lambda w: Call(f"/mentees/{w.mentee_id}")),
    # A participant's own profile.
    Endpoint("GET", "/me", M, 200, lambda w: Call("/me")),
    Endpoint("PATCH", "/me", D, 200, lambda w: Call("/me", json={"name": "Renamed Person"})),
    Endpoint("DELETE", "/me", D, 204, lambda w: Call("/me")),
    Endpoint("GET", "/me/export", D, 200, lambda w: Call("/me/export")),
    Endpoint("GET", "/me/pairings", D, 200, lambda w: Call("/me/pairings")),
    Endpoint(
        "POST",
        "/me/pairings/{pairing_id}/fit",
        D,
        200,
        lambda w: Call(f"/me/pairings/{w.pairing_id}/fit", json={"fit": "good_fit"}),
        # The pairing is the mentee's and the mentor's; to anyone else it does not exist.
        exceptions={OTHER_MENTEE: 404},
    ),
    Endpoint(
        "POST",
        "/me/conflicts",
        D,
        201,
        lambda w: Call("/me/conflicts", json={"email": "former.colleague@example.org"}),
    ),
    # Match runs.
    Endpoint("POST", "/match-runs", C, 201, lambda w: Call("/match-runs", json={})),
    Endpoint("GET", "/match-runs", C, 200, lambda w: Call("/match-runs")),
    Endpoint("GET", "/match-runs/{run_id}", C, 200, lambda w: Call(f"/match-runs/{w.run_id}")),
    Endpoint(
        "GET",
        "/match-runs/{run_id}/proposals",
        C,
        200,
        lambda w: Call(f"/match-runs/{w.run_id}/proposals"),
    ),
    Endpoint(
        "GET",
        "/match-runs/{run_id}/unmatched",
        C,
        200,
        lambda w: Call(f"/match-runs/{w.run_id}/unmatched"),
    ),
    Endpoint(
        "GET",
        "/match-runs/{run_id}/proposals.{sheet_format}",
        C,
        200,
        lambda w: Call(f"/match-runs/{w.run_id}/proposals.csv"),
    ),
    Endpoint(
        "GET",
        "/match-runs/{run_id}/unmatched.{sheet_format}",
        C,
        200,
        lambda w: Call(f"/match-runs/{w.run_id}/unmatched.csv"),
    ),
    Endpoint(
        "POST",
        "/match-runs/{run_id}/decisions",
        C,
        200,
        lambda w: Call(
            f"/match-runs/{w.run_id}/decisions",
            content=f"proposal_id,decision,decision_note\n{w.proposal_id},reject,Met.\n".encode(),
            headers=CSV,
        ),
    ),
    Endpoint(
        "POST",
        "/match-runs/{run_id}/accept",
        C,
        200,
        lambda w: Call(f"/match-runs/{w.run_id}/accept", json={}),
    ),
    Endpoint(
        "POST",
        "/match-runs/{run_id}/proposals/{proposal_id}/reject",
        C,
        200,
        lambda w: Call(
            f"/match-runs/{w.run_id}/proposals/{w.proposal_id}/reject",
            json={"reason": "They have worked together before."},
        ),
    ),
    # Pairings.
    Endpoint("GET", "/pairings", C, 200, lambda w: Call("/pairings")),
    Endpoint("GET", "/pairings/export", C, 200, lambda w: Call("/pairings/export")),
    Endpoint(
        "POST",
        "/pairings",
        C,
        201,
        lambda w: Call(
            "/pairings", json={"mentee_id": w.other_mentee_id, "mentor_id": w.mentor_id}
        ),
    ),
    Endpoint("GET", "/pairings/{pairing_id}", C, 200, lambda w: Call(f"/pairings/{w.pairing_id}")),
    Endpoint(
        "PATCH",
        "/pairings/{pairing_id}",
        C,
        200,
        lambda w: Call(f"/pairings/{w.pairing_id}", json={"planned_end_on": "2099-12-31"}),
    ),
    Endpoint(
        "POST",
        "/pairings/{pairing_id}/end",
        C,
        200,
        lambda w: Call(
            f"/pairings/{w.pairing_id}/end", json={"status": "completed", "reason": "Goals met."}
        ),
    ),
    # Exclusions.
    Endpoint("GET", "/exclusions", C, 200, lambda w: Call("/exclusions")),
    Endpoint(
        "POST",
        "/exclusions",
        C,
        201,
        lambda w: Call(
            "/exclusions", json={"mentee_id": w.other_mentee_id, "mentor_id": w.mentor_id}
        ),
    ),
    Endpoint(
        "GET",
        "/exclusions/{exclusion_id}",
        C,
        200,
        lambda w: Call(f"/exclusions/{w.exclusion_id}"),
    ),
    Endpoint(
        "DELETE",
        "/exclusions/{exclusion_id}",
        C,
        204,
        lambda w: Call(f"/exclusions/{w.exclusion_id}"),
    ),
    # Notifications.
    Endpoint("GET", "/outbox-messages", C, 200, lambda w: Call("/outbox-messages")),
    Endpoint(
        "POST",
        "/outbox-messages/{message_id}/retry",
        C,
        200,
        lambda w: Call(f"/outbox-messages/{w.dead_message_id}/retry"),
    ),
    # Calibration from outcomes.
    Endpoint("GET", "/calibration", C, 200, lambda w: Call("/calibration")),
    # Audit log.
    Endpoint("GET", "/audit-events", C, 200, lambda w: Call("/audit-events")),
    Endpoint("GET", "/audit-events/export", C, 200, lambda w: Call("/audit-events/export")),
]

CELLS = [
    (
        endpoint,
        role,
        endpoint.exceptions.get(role, expected_status(endpoint.access, role, endpoint.ok)),
    )
    for endpoint in ENDPOINTS
    for role in ROLES
]
# Quoted in reports: how many (route, caller) pairs the matrix pins down.
CELL_COUNT = len(CELLS)


# -- the world every cell runs in ------------------------------------------------------


def register(
    client: TestClient, coordinator: dict[str, str], kind: str, **overrides: Any
) -> tuple[int, dict[str, str]]:
    payload = mentor_payload(**overrides) if kind == "mentor" else mentee_payload(**overrides)
    response = client.post(f"/{kind}s", json=payload, headers=coordinator)
    assert response.status_code == 201, response.text
    body = response.json()
    return int(body[kind]["id"]), bearer(body["token"])


def created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def world(client: TestClient, session: Session, coordinator: dict[str, str]) -> World:
    mentee_id, mentee_headers = register(client, coordinator, "mentee")
    mentor_id, mentor_headers = register(client, coordinator, "mentor", capacity=3)
    other_mentee_id, other_headers = register(client, coordinator, "mentee")
    pairing = created(
        client.post(
            "/pairings", headers=coordinator, json={"mentee_id": mentee_id, "mentor_id": mentor_id}
        )
    )
    exclusion = created(
        client.post(
            "/exclusions",
            headers=coordinator,
            json={"mentee_id": mentee_id, "mentor_id": mentor_id, "note": "Same board."},
        )
    )
    created(
        client.post(
            "/taxonomy/stage",
            headers=coordinator,
            json={"code": "authz_unused", "label": "A stage nobody is at"},
        )
    )
    run = created(client.post("/match-runs", headers=coordinator, json={}))
    proposals = client.get(f"/match-runs/{run['id']}/proposals", headers=coordinator).json()
    assert proposals["count"] >= 1, "the run proposed nothing; the fixture needs a proposal"

    revoked, revoked_secret = issue_token(session=session, role=Role.coordinator, name="gone")
    revoked.revoked_at = utcnow()
    session.add(revoked)
    _, expired_secret = issue_token(
        session=session,
        role=Role.coordinator,
        name="lapsed",
        expires_at=utcnow() - timedelta(minutes=1),
    )
    # A message that failed for good, for coordinators to send again.
    dead = session.exec(select(OutboxMessage)).first()
    assert dead is not None, "the pairing queued no introduction"
    dead.status = MessageStatus.dead
    session.add(dead)
    # Self-registered, address confirmed, waiting for a coordinator's approval.
    pending_mentor = mentors.create(
        session=session, data=MentorCreate(**mentor_payload()), self_registered=True
    )
    pending_mentee = mentees.create(
        session=session, data=MenteeCreate(**mentee_payload()), self_registered=True
    )
    pending_mentor.email_verified_at = pending_mentee.email_verified_at = utcnow()
    session.commit()
    return World(
        headers={
            ANONYMOUS: {},
            MENTEE: mentee_headers,
            MENTOR: mentor_headers,
            OTHER_MENTEE: other_headers,
            COORDINATOR: coordinator,
            REVOKED: bearer(revoked_secret),
            EXPIRED: bearer(expired_secret),
        },
        mentee_id=mentee_id,
        mentor_id=mentor_id,
        other_mentee_id=other_mentee_id,
        pairing_id=int(pairing["id"]),
        exclusion_id=int(exclusion["id"]),
        run_id=int(run["id"]),
        proposal_id=int(proposals["data"][0]["id"]),
        unused_stage="authz_unused",
        dead_message_id=int(dead.id or 0),
        pending_mentor_id=int(pending_mentor.id or 0),
        pending_mentee_id=int(pending_mentee.id or 0),
    )


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a refused request changed nothing."""
    session.expire_all()
    tables = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = session.execute(sql_select(table)).all()
        tables[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return tables


def send(client: TestClient, endpoint: Endpoint, world: World, role: str) -> Any:
    call = endpoint.call(world)
    return client.request(
        endpoint.method,
        call.path,
        headers={**world.headers[role], **call.headers},
        json=call.json,
        content=call.content,
    )


# -- the matrix ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "role", "status"),
    [
        pytest.param(endpoint, role, status, id=f"{role}-{endpoint.method} {endpoint.route}")
        for endpoint, role, status in CELLS
    ],
)
def test_each_caller_gets_the_status_the_policy_gives(
    client: TestClient, session: Session, world: World, endpoint: Endpoint, role: str, status: int
) -> None:
    before = snapshot(session) if status in (401, 403) else None
    response = send(client, endpoint, world, role)
    assert response.status_code == status, (
        f"{role} {endpoint.method} {endpoint.route}: {response.status_code} {response.text}"
    )
    if before is not None:
        # A refusal says why, in the one error shape, and leaves every table as it was.
        expected_code = {401: "unauthorized", 403: "forbidden"}[status]
        assert response.json()["code"] == expected_code
        assert snapshot(session) == before


def is_console(path: str) -> bool:
    """The console's pages answer browsers with a session, not tokens: they are classified
    in tests/service/console/test_security.py; so do participants' pages, tested in
    tests/service/notifications/test_sign_in_links.py."""
    participant_page = path.startswith(("/register", "/verify/", "/sign-in", "/my"))
    return path == "/" or path == "/console" or path.startswith("/console/") or participant_page


def route_operations(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers; HEAD goes with GET and is not listed apart.

    Static files (the documentation's and the console's assets) are open to anyone and
    are not routes of their own; the console's routes have a matrix of their own.
    """
    operations = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(getattr(route, "app", None), StaticFiles) or is_console(route.path):
            continue
        methods = set(getattr(route, "methods", None) or ())
        assert methods, f"a route without HTTP methods (mount or websocket?): {route!r}"
        if "GET" in methods:
            methods.discard("HEAD")
        operations |= {(method, route.path) for method in methods}
    return operations


def test_the_matrix_classifies_every_route_of_the_app(client: TestClient) -> None:
    served = route_operations(client.app)  # type: ignore[arg-type]
    table = [endpoint.key for endpoint in ENDPOINTS]
    assert len(table) == len(set(table)), "a route is listed twice"
    assert served - set(table) == set(), "routes nobody has classified"
    assert set(table) - served == set(), "classified routes the app does not serve"
    assert CELL_COUNT == len(served) * len(ROLES)


def test_the_matrix_covers_every_documented_operation(client: TestClient) -> None:
    # A second view of the same question that does not depend on FastAPI's route objects.
    documented = {
        (method.upper(), path)
        for path, operations in client.get("/openapi.json").json()["paths"].items()
        for method in operations
    }
    assert documented <= {endpoint.key for endpoint in ENDPOINTS}


def test_every_access_class_and_caller_is_exercised() -> None:
    statuses = {(endpoint.access, role, status) for endpoint, role, status in CELLS}
    assert {access for access, _, _ in statuses} == set(Access)
    # Each caller is refused somewhere and let through somewhere.
    for role in ROLES:
        outcomes = {status for _, who, status in statuses if who == role}
        assert outcomes & {401, 403}, role
        assert any(200 <= status < 300 for status in outcomes), role


# -- nobody else's data ----------------------------------------------------------------


def test_a_participant_reads_only_their_own_profile(client: TestClient, world: World) -> None:
    for role, kind, own_id in [
        (MENTEE, "mentee", world.mentee_id),
        (MENTOR, "mentor", world.mentor_id),
        (OTHER_MENTEE, "mentee", world.other_mentee_id),
    ]:
        me = client.get("/me", headers=world.headers[role]).json()
        assert me["role"] == kind
        assert me[kind]["id"] == own_id
        assert me["mentor" if kind == "mentee" else "mentee"] is None


def test_a_participant_sees_only_their_own_pairings(client: TestClient, world: World) -> None:
    mine = client.get("/me/pairings", headers=world.headers[MENTEE]).json()
    assert [pairing["id"] for pairing in mine] == [world.pairing_id]
    assert mine[0]["partner"]["id"] == world.mentor_id
    # The other mentee is unpaired: they see no pairing, and nothing of the paired two.
    response = client.get("/me/pairings", headers=world.headers[OTHER_MENTEE])
    assert response.json() == []
    other_me = client.get("/me", headers=world.headers[OTHER_MENTEE]).text
    mentee_me = client.get("/me", headers=world.headers[MENTEE]).json()["mentee"]
    assert mentee_me["email"] not in response.text + other_me


def test_a_participant_cannot_record_fit_on_someone_elses_pairing(
    client: TestClient, world: World, coordinator: dict[str, str]
) -> None:
    response = client.post(
        f"/me/pairings/{world.pairing_id}/fit",
        headers=world.headers[OTHER_MENTEE],
        json={"fit": "not_a_fit"},
    )
    assert response.status_code == 404
    pairing = client.get(f"/pairings/{world.pairing_id}", headers=coordinator).json()
    assert (pairing["mentee_fit"], pairing["mentor_fit"]) == (None, None)


@pytest.mark.parametrize(
    ("role", "kind"), [(MENTEE, "mentee"), (MENTOR, "mentor")], ids=["mentee", "mentor"]
)
@pytest.mark.parametrize(
    ("field_name", "value"),
    [
        ("status", "withdrawn"),
        ("status", "paired"),
        ("id", 999_999),
        ("created_at", "2000-01-01T00:00:00Z"),
        ("updated_at", "2000-01-01T00:00:00Z"),
    ],
    ids=["status-withdrawn", "status-paired", "id", "created_at", "updated_at"],
)
def test_mass_assignment_through_patch_me_is_refused_and_never_applied(
    client: TestClient, world: World, role: str, kind: str, field_name: str, value: Any
) -> None:
    headers = world.headers[role]
    before = client.get("/me", headers=headers).json()[kind]
    # Alongside a legitimate change, so that a partial apply would show.
    response = client.patch(
        "/me", headers=headers, json={"name": "Changed Name", field_name: value}
    )
    assert response.status_code == 422, response.text
    assert {"field": field_name, "message": "Extra inputs are not permitted"} in response.json()[
        "errors"
    ]
    assert client.get("/me", headers=headers).json()[kind] == before


def test_a_participants_export_holds_only_their_own_data(client: TestClient, world: World) -> None:
    mentee_email = client.get("/me", headers=world.headers[MENTEE]).json()["mentee"]["email"]
    export = client.get("/me/export", headers=world.headers[OTHER_MENTEE])
    assert export.status_code == 200
    assert export.json()["profile"]["id"] == world.other_mentee_id
    assert export.json()["pairings"] == []
    assert mentee_email not in export.text
    assert "Same board." not in export.text  # the coordinator's note on someone else's pair


def test_a_conflict_declared_against_someone_is_not_revealed_to_them(
    client: TestClient, world: World
) -> None:
    mentee_email = client.get("/me", headers=world.headers[OTHER_MENTEE]).json()["mentee"]["email"]
    declared = client.post(
        "/me/conflicts",
        headers=world.headers[MENTOR],
        json={"email": mentee_email, "note": "Disciplinary case at my last trust."},
    )
    assert declared.status_code == 201
    export = client.get("/me/export", headers=world.headers[OTHER_MENTEE])
    assert export.status_code == 200
    assert "Disciplinary case" not in export.text
    assert export.json()["conflicts_declared"] == []
