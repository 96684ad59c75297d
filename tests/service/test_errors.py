"""Every error takes one JSON shape; bad input never reaches a 500."""

from fastapi.testclient import TestClient

from tests.factories import mentee_payload, mentor_payload


def test_unknown_route_and_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Not Found", "code": "not_found", "errors": []}
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
