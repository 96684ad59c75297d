"""Every error is a problem document of one shape; bad input never reaches a 500."""

import json
from http import HTTPStatus
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import bearer, mentee_payload, mentor_payload


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "code": "not_found",
        "errors": [],
    }
    wrong_method = client.put("/taxonomy")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        "/mentors", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_wrong_json_types_are_422_not_500(client: TestClient) -> None:
    for body in ([], "text", 42, None, {"needs": "tupe"}, {"sectors": [1, 2]}):
        response = client.post("/mentees", json=body)
        assert response.status_code == 422, (body, response.text)


def test_oversized_body_is_413(client: TestClient) -> None:
    payload = mentor_payload(job_title="x" * 1_100_000)
    response = client.post("/mentors", json=payload)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_oversized_chunked_body_is_413(client: TestClient) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(20):
            yield b"x" * 100_000

    response = client.post(
        "/mentors", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_path_ids_must_be_integers(client: TestClient, coordinator: dict[str, str]) -> None:
    response = client.get("/mentors/abc", headers=coordinator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "mentor_id"
    too_big = client.get(f"/mentors/{2**70}", headers=coordinator)
    assert too_big.status_code == 422


def test_openapi_declares_error_responses(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    create = paths["/mentors"]["post"]["responses"]
    assert {"201", "403", "409", "422"} <= set(create)
    read = paths["/mentors/{mentor_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(read)


def test_csv_imports_have_their_own_size_and_row_limits(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    header = "name,email,organisation,kind,home_region,sectors,skills\n"
    row = "A,a{n}@example.org,Org,peer,london,housing,tupe\n"
    settings = client.app.state.settings  # type: ignore[attr-defined]
    settings.max_csv_rows = 3
    too_many = header + "".join(row.format(n=n) for n in range(4))
    response = client.post(
        "/mentors/import",
        headers={**coordinator, "Content-Type": "text/csv"},
        content=too_many.encode(),
    )
    assert response.status_code == 413
    assert "at most 3 rows" in response.json()["detail"]
    # A file over the JSON limit is still fine for an import, up to its own limit.
    big = header + "".join(row.format(n=n) for n in range(3)) + "#" * 1_100_000
    response = client.post(
        "/mentors/import", headers={**coordinator, "Content-Type": "text/csv"}, content=big.encode()
    )
    assert response.status_code == 422  # read and checked, not refused for its size
    huge = b"x" * 10_000_001
    response = client.post(
        "/mentors/import", headers={**coordinator, "Content-Type": "text/csv"}, content=huge
    )
    assert response.status_code == 413


def test_a_match_run_over_the_configured_size_is_refused(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    for _ in range(3):
        client.post("/mentors", json=mentor_payload(), headers=coordinator)
    client.post("/mentees", json=mentee_payload(), headers=coordinator)
    client.app.state.settings.max_run_pairs = 2  # type: ignore[attr-defined]
    response = client.post("/match-runs", headers=coordinator, json={})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "cohort"
    assert "1 mentees x 3 mentors = 3 pairs" in error["message"]
    assert client.get("/match-runs", headers=coordinator).json()["count"] == 0


# -- problem details (RFC 9457) ---------------------------------------------------------


def test_an_error_is_a_problem_document(client: TestClient, coordinator: dict[str, str]) -> None:
    response = client.post("/pairings", headers=coordinator, json={"mentee_id": 1})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["type"], body["title"], body["status"], body["code"]) == (
        "about:blank",
        HTTPStatus(422).phrase,
        422,
        "invalid",
    )
    assert body["errors"] == [{"field": "mentor_id", "message": "Field required"}]
    assert body["detail"] == "invalid input: mentor_id: Field required"


def test_the_size_guard_answers_a_problem_document_too(client: TestClient) -> None:
    response = client.post(
        "/mentors",
        content=b"{}",
        headers={"content-type": "application/json", "content-length": "2000000"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == HTTPStatus(413).phrase


def test_openapi_declares_problem_documents_for_every_error(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "Problem" in document["components"]["schemas"]
    undeclared = [
        (path, method, status, sorted(response.get("content", {})))
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if int(status) >= 400 and set(response.get("content", {})) != {"application/problem+json"}
    ]
    assert undeclared == []


# -- contract slips ---------------------------------------------------------------------


def test_registration_is_declared_open_to_anonymous_callers(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/mentors", "/mentees"):
        assert {} in paths[path]["post"]["security"], path
        assert {"HTTPBearer": []} in paths[path]["post"]["security"], path
        # Everything else still needs a token.
        assert paths[path]["get"]["security"] == [{"HTTPBearer": []}], path


def test_a_405_lists_every_method_the_path_takes(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()
    mentor = mentor["mentor"]["id"]
    for method, path, allowed in [
        ("PUT", "/mentors", "GET, POST"),
        ("PUT", f"/mentors/{mentor}", "DELETE, GET, PATCH"),
        ("DELETE", "/taxonomy", "GET"),
    ]:
        response = client.request(method, path, headers=coordinator)
        assert response.status_code == 405, (method, path)
        assert response.headers["allow"] == allowed, (method, path)
        assert response.json()["code"] == "method_not_allowed"


def test_a_fixed_path_with_a_method_it_lacks_is_405_not_a_bad_id(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    for headers in (coordinator, {}):
        for method, path, allowed in [
            ("PATCH", "/mentors/export", "GET"),
            ("DELETE", "/mentees/export", "GET"),
            ("GET", "/mentors/import", "POST"),
            ("PATCH", "/mentees/import", "POST"),
        ]:
            response = client.request(method, path, headers=headers, json={"capacity": 2})
            assert response.status_code == 405, (method, path, headers, response.text)
            assert response.headers["allow"] == allowed
    # A path parameter that is not an id is still the 422 it was.
    assert client.get("/mentors/abc", headers=coordinator).status_code == 422


STRICT = [
    ("POST", "/match-runs", {"min_score": False}, "min_score"),
    ("POST", "/match-runs", {"min_score": "0.5"}, "min_score"),
    ("POST", "/match-runs", {"balance": True}, "balance"),
    ("POST", "/match-runs", {"weights": {"skills": True}}, "weights.skills"),
    ("POST", "/match-runs", {"cohort": {"mentee_ids": [True]}}, "cohort.mentee_ids[0]"),
    ("POST", "/match-runs", {"cohort": {"mentor_ids": ["1"]}}, "cohort.mentor_ids[0]"),
    ("POST", "/pairings", {"mentee_id": "1", "mentor_id": 1}, "mentee_id"),
    ("POST", "/pairings", {"mentee_id": 1, "mentor_id": True}, "mentor_id"),
    ("POST", "/exclusions", {"mentee_id": 1.0, "mentor_id": 1}, "mentee_id"),
    ("PATCH", "/taxonomy/region/london", {"retired": 1}, "retired"),
    ("PATCH", "/taxonomy/region/london", {"retired": "true"}, "retired"),
    ("POST", "/mentors", mentor_payload(capacity=True), "capacity"),
    ("POST", "/mentors", mentor_payload(years_experience=False), "years_experience"),
    ("POST", "/mentors", mentor_payload(led_spin_out=1), "led_spin_out"),
    ("POST", "/mentees", mentee_payload(needs=[{"skill": "tupe", "priority": True}]),
     "needs[0].priority"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "field_name"), STRICT)
def test_json_cannot_pass_a_boolean_or_text_for_a_number(
    client: TestClient,
    coordinator: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
    field_name: str,
) -> None:
    response = client.request(method, path, headers=coordinator, json=body)
    assert response.status_code == 422, response.text
    assert field_name in [error["field"] for error in response.json()["errors"]]


def test_strict_numbers_and_booleans_in_updates(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    registered = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()
    mentor, token = registered["mentor"]["id"], bearer(registered["token"])
    for headers, path in ((coordinator, f"/mentors/{mentor}"), (token, "/me")):
        for body in ({"capacity": "3"}, {"capacity": True}, {"capacity": 2.0}, {"led_spin_out": 0}):
            response = client.patch(path, headers=headers, json=body)
            assert response.status_code == 422, (path, body, response.text)
    assert client.patch("/me", headers=token, json={"capacity": 3}).status_code == 200


def test_numbers_in_query_parameters_still_work(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentee = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    mentee = mentee["mentee"]["id"]
    response = client.get(
        f"/mentees/{mentee}/suggestions",
        headers=coordinator,
        params={"limit": "3", "min_score": "0.1"},
    )
    assert response.status_code == 200, response.text
    assert client.get("/mentors?limit=2&offset=0", headers=coordinator).status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "field_name", "valid"),
    [
        ("/pairings", {"planned_end_before": "0"}, "planned_end_before", "2026-12-31"),
        ("/pairings", {"planned_end_after": "1700000000"}, "planned_end_after", "2026-01-01"),
        ("/audit-events", {"since": "0"}, "since", "2026-01-01T09:00:00Z"),
        ("/audit-events", {"until": "12.5"}, "until", "2026-01-01"),
    ],
)
def test_dates_are_iso_dates_not_seconds_since_1970(
    client: TestClient,
    coordinator: dict[str, str],
    path: str,
    params: dict[str, str],
    field_name: str,
    valid: str,
) -> None:
    response = client.get(path, headers=coordinator, params=params)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == field_name
    assert "ISO" in error["message"] or "YYYY-MM-DD" in error["message"]
    answer = client.get(path, headers=coordinator, params={field_name: valid})
    assert answer.status_code == 200, answer.text


def test_dates_in_bodies_are_iso_dates(client: TestClient, coordinator: dict[str, str]) -> None:
    mentor = client.post("/mentors", headers=coordinator, json=mentor_payload()).json()
    mentee = client.post("/mentees", headers=coordinator, json=mentee_payload()).json()
    body = {"mentor_id": mentor["mentor"]["id"], "mentee_id": mentee["mentee"]["id"]}
    for bad in ("0", 0, "01/02/2026"):
        response = client.post("/pairings", headers=coordinator, json={**body, "started_on": bad})
        assert response.status_code == 422, (bad, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["started_on"]
    response = client.post(
        "/pairings", headers=coordinator, json={**body, "started_on": "2026-02-01"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["started_on"] == "2026-02-01"


def test_an_anonymous_caller_gets_401_before_any_input_check(client: TestClient) -> None:
    for method, path, kwargs in [
        ("GET", "/mentors", {"params": {"q": "\x00"}}),
        ("POST", "/match-runs", {"json": {"triggered": "a\x00b"}}),
        ("PATCH", "/me", {"json": {"goals": "\x00"}}),
        ("POST", "/exclusions", {"json": {str(n): n for n in range(1000)}}),
    ]:
        response = client.request(method, path, **kwargs)
        assert response.status_code == 401, (method, path, response.text)


def test_the_personal_data_export_has_a_named_schema(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    answer = document["paths"]["/me/export"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/PersonalDataExport"}
    exported = document["components"]["schemas"]["PersonalDataExport"]["properties"]
    assert {"profile", "pairings", "proposals", "conflicts_declared"} <= set(exported)


def test_a_body_with_sixty_thousand_unknown_members_is_refused_in_a_few_lines(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    mentor = client.post("/mentors", json=mentor_payload(), headers=coordinator).json()
    mentor = mentor["mentor"]["id"]
    body = json.dumps({f"k{n}": n for n in range(60_000)}).encode()
    assert len(body) < 1_000_000
    response = client.patch(
        f"/mentors/{mentor}",
        headers={**coordinator, "content-type": "application/json"},
        content=body,
    )
    assert response.status_code == 422
    assert len(response.content) < 2_000
    assert response.json()["errors"] == [
        {"field": "body", "message": "has 60000 members; no request object takes more than 100"}
    ]


def test_a_long_list_of_field_errors_is_cut_with_a_count_of_the_rest(
    client: TestClient, coordinator: dict[str, str]
) -> None:
    # The body is refused before any run is looked up.
    response = client.post(
        "/match-runs/1/accept",
        headers=coordinator,
        json={"proposal_ids": ["not an id"] * 5_000},
    )
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == 50
    assert body["errors_not_listed"] == 4_950
    assert body["errors"][0]["field"] == "proposal_ids[0]"
    assert body["detail"].endswith("; and 4990 more")


def test_an_unexpected_error_is_a_500_problem_with_the_request_id_only(
    client: TestClient, coordinator: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.crud import mentors

    def broken(**_: Any) -> Any:
        raise RuntimeError("mentor1@example.org is the broken one")

    monkeypatch.setattr(mentors, "list_page", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    response = quiet.get("/mentors", headers={**coordinator, "X-Request-ID": "req-42"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-42"
    body = response.json()
    assert (body["code"], body["status"]) == ("internal_error", 500)
    assert "req-42" in body["detail"]
    assert "example.org" not in response.text


def test_every_operation_that_reads_the_database_declares_its_503(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    without = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if "503" not in operation["responses"]
    ]
    assert without == ["GET /health"]
    retry_after = paths["/taxonomy"]["get"]["responses"]["503"]["headers"]["Retry-After"]
    assert retry_after["schema"] == {"type": "integer"}
