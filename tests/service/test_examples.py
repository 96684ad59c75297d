"""Every request example in the OpenAPI document works when sent as documented.

Each example is sent by the caller it is meant for, after making what it needs (people
to pair, a run to accept); the ids it names stand for the caller's own people and
proposals, so they are replaced by those. A success that did nothing (a run that
considered nobody, an accept that accepted nothing) counts as a failure.
"""

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.examples import MENTEE, MENTOR, REQUEST_EXAMPLES
from tests.factories import bearer

_serial = itertools.count(1)


def _person(kind: str) -> dict[str, Any]:
    """The documented registration, as another person of the same kind."""
    number = next(_serial)
    person = copy.deepcopy(MENTOR if kind == "mentor" else MENTEE)
    person["email"] = f"example.{kind}{number}@example.org"
    person["organisation"] = f"{person['organisation']} {number}"
    return person


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)


class Programme:
    """What the examples need: people, a run with proposals, a pairing."""

    def __init__(self, client: TestClient, coordinator: dict[str, str]) -> None:
        self.client = client
        self.coordinator = coordinator

    def register(self, kind: str) -> tuple[int, dict[str, str]]:
        response = self.client.post(f"/{kind}s", json=_person(kind), headers=self.coordinator)
        assert response.status_code == 201, response.text
        return response.json()[kind]["id"], bearer(response.json()["token"])

    def people(self) -> tuple[int, int]:
        mentee_id, _ = self.register("mentee")
        mentor_id, _ = self.register("mentor")
        return mentee_id, mentor_id

    def run(self) -> tuple[int, list[int]]:
        for _ in range(3):
            self.register("mentee")
        for _ in range(2):
            self.register("mentor")
        run = self.client.post("/match-runs", headers=self.coordinator, json={})
        assert run.status_code == 201, run.text
        proposals = self.client.get(
            f"/match-runs/{run.json()['id']}/proposals", headers=self.coordinator
        ).json()["data"]
        assert len(proposals) >= 2
        return run.json()["id"], [proposal["id"] for proposal in proposals]

    def pairing(self) -> int:
        mentee_id, mentor_id = self.people()
        # The documented manual pairing, with its dates.
        example = REQUEST_EXAMPLES["pairings-create"]["by-hand"]["value"]
        response = self.client.post(
            "/pairings",
            headers=self.coordinator,
            json={**example, "mentee_id": mentee_id, "mentor_id": mentor_id},
        )
        assert response.status_code == 201, response.text
        return int(response.json()["id"])


def _prepare(operation: str, name: str, world: Programme) -> Call:
    """The path, the caller and the real ids for one example."""
    coordinator = world.coordinator
    if operation == "taxonomy-create-term":
        return Call("/taxonomy/sector", coordinator)
    if operation == "taxonomy-update-term":
        return Call("/taxonomy/sector/home_care", coordinator)
    if operation in ("mentors-create", "mentees-create"):
        return Call(f"/{operation.split('-')[0]}", coordinator)  # registered with a token
    if operation in ("mentors-update", "mentees-update"):
        kind = operation.split("-")[0].removesuffix("s")
        person_id, _ = world.register(kind)
        return Call(f"/{kind}s/{person_id}", coordinator)
    if operation == "me-update":
        _, token = world.register(name)  # the "mentor" example for a mentor, and so on
        return Call("/me", token)
    if operation == "me-record-fit":
        mentee_id, token = world.register("mentee")
        _, mentor_id = world.people()
        pairing = world.client.post(
            "/pairings", headers=coordinator, json={"mentee_id": mentee_id, "mentor_id": mentor_id}
        )
        return Call(f"/me/pairings/{pairing.json()['id']}/fit", token)
    if operation == "me-declare-conflict":
        _, token = world.register("mentee")
        return Call("/me/conflicts", token)
    if operation == "match-runs-create":
        world.run()  # people to match; this run leaves others waiting
        for _ in range(3):
            world.register("mentee")
        return Call("/match-runs", coordinator)
    if operation == "match-runs-accept-proposals":
        run_id, proposal_ids = world.run()
        return Call(f"/match-runs/{run_id}/accept", coordinator, {"proposal_ids": proposal_ids})
    if operation == "match-runs-reject-proposal":
        run_id, proposal_ids = world.run()
        return Call(f"/match-runs/{run_id}/proposals/{proposal_ids[0]}/reject", coordinator)
    if operation in ("pairings-create", "exclusions-create"):
        mentee_id, mentor_id = world.people()
        ids = {"mentee_id": mentee_id, "mentor_id": mentor_id}
        return Call(f"/{operation.split('-')[0]}", coordinator, ids)
    if operation == "pairings-update":
        return Call(f"/pairings/{world.pairing()}", coordinator)
    if operation == "pairings-end":
        return Call(f"/pairings/{world.pairing()}/end", coordinator)
    raise AssertionError(f"no preparation for the example {operation} {name}: add one")


def _with_ids(value: dict[str, Any], ids: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(value)
    for key, real in ids.items():
        if key in body:
            body[key] = real[: len(body[key])] if isinstance(real, list) else real
    return body


# Beyond a 2xx: the answer did what the example says.
EFFECTS: dict[str, Callable[[Any], bool]] = {
    "match-runs-create": lambda run: run["mentees_considered"] > 0 and run["matched_count"] > 0,
    "match-runs-accept-proposals": lambda accepted: len(accepted) > 0,
    "mentors-create": lambda registered: bool(registered["token"]),
    "mentees-create": lambda registered: bool(registered["token"]),
}

CASES = [
    pytest.param(operation, name, id=f"{operation}:{name}")
    for operation, examples in REQUEST_EXAMPLES.items()
    for name in examples
]


@pytest.mark.parametrize(("operation", "name"), CASES)
def test_each_documented_example_works(
    client: TestClient, coordinator: dict[str, str], operation: str, name: str
) -> None:
    document = client.get("/openapi.json").json()
    (method, documented_path) = next(
        (method, path)
        for path, item in document["paths"].items()
        for method, described in item.items()
        if described["operationId"] == operation
    )
    examples = document["paths"][documented_path][method]["requestBody"]["content"][
        "application/json"
    ]["examples"]
    call = _prepare(operation, name, Programme(client, coordinator))
    body = _with_ids(examples[name]["value"], call.ids)

    response = client.request(method.upper(), call.path, headers=call.headers, json=body)

    assert 200 <= response.status_code < 300, response.text
    if operation in EFFECTS:
        assert EFFECTS[operation](response.json()), response.text


def test_every_json_request_body_has_a_documented_example(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    without = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
        and not operation["requestBody"]["content"]["application/json"].get("examples")
    ]
    assert without == []
