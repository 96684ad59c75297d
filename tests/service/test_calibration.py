"""`mentormatch calibrate` on a synthetic history: it recovers the weights behind outcomes."""

from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from service.cli import main
from service.config import get_settings
from service.db import make_engine
from service.models import Fit, MatchRun, Mentee, Mentor, Pairing, PairingStatus, Proposal
from tests.factories import bearer, mentee_payload, mentor_payload

PLANTED = {"sector": 0.3, "skills": 0.3, "region": 0.1, "experience": 0.3}


@pytest.fixture
def cli_database(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MENTORMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield empty_database_url
    get_settings.cache_clear()


def history(url: str, n: int, seed: int = 0, manual: int = 0) -> None:
    """A demo cohort with a run, and a history of finished pairings on it."""
    assert main(["demo", "--mentees", "3", "--mentors", "2", "--show", "0", "--yes"]) == 0
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            plant(session, n, seed=seed, manual=manual)
    finally:
        engine.dispose()


def plant(session: Session, n: int, *, seed: int = 0, manual: int = 0) -> None:
    """Finished pairings whose outcomes follow the planted weights (plus some by hand)."""
    rng = np.random.default_rng(seed)
    mentee = session.exec(select(Mentee)).first()
    mentor = session.exec(select(Mentor)).first()
    run = session.exec(select(MatchRun)).first()
    assert mentee is not None
    assert mentor is not None
    assert run is not None
    for k in range(n + manual):
        proposal_id = None
        good = bool(rng.random() < 0.5)
        if k < n:
            x = {name: float(rng.random()) for name in PLANTED}
            logit = 12 * (sum(PLANTED[c] * x[c] for c in PLANTED) - 0.5)
            good = bool(rng.random() < 1 / (1 + np.exp(-logit)))
            proposal = Proposal(
                match_run_id=run.id,
                mentee_id=mentee.id,
                mentor_id=mentor.id,
                score=0.5,
                components=x,
                reason="synthetic",
                status="accepted",
            )
            session.add(proposal)
            session.flush()
            proposal_id = proposal.id
        # Half the poor outcomes end early, half complete but were "not a fit".
        early = not good and k % 2 == 0
        session.add(
            Pairing(
                mentee_id=mentee.id,
                mentor_id=mentor.id,
                proposal_id=proposal_id,
                status=PairingStatus.ended_early if early else PairingStatus.completed,
                started_on=date(2026, 1, 5),
                ended_on=date(2026, 7, 5),
                mentee_fit=Fit.not_a_fit if not good and not early else Fit.good_fit,
            )
        )
    session.commit()


def test_calibrate_recovers_the_planted_weights_and_reports_aucs(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    history(cli_database, 1000, manual=7)
    capsys.readouterr()
    assert main(["calibrate"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("Finished pairings from match runs: 1000 (")
    assert lines[1] == "Left out: 7 made by hand, without a run's components"
    fitted = dict(
        part.split(" ") for part in lines[4].removeprefix("Fitted weights:  ").split(", ")
    )
    for name, value in PLANTED.items():
        assert float(fitted[name]) == pytest.approx(value, abs=0.06)
    assert "predict outcomes with AUC 0." in lines[3]
    assert "95% interval" in lines[5]


def test_calibrate_refuses_on_too_little_data(
    cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    history(cli_database, 25)
    capsys.readouterr()
    assert main(["calibrate"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("too little data: 25 finished pairings (")
    assert "Nothing to suggest yet" in captured.err
    assert "Traceback" not in captured.err


@pytest.fixture
def cohort_with_a_run(client: TestClient, coordinator: dict[str, str]) -> None:
    for kind, payload in (("mentee", mentee_payload()), ("mentor", mentor_payload())):
        assert client.post(f"/{kind}s", json=payload, headers=coordinator).status_code == 201
    assert client.post("/match-runs", json={}, headers=coordinator).status_code == 201


@pytest.mark.usefixtures("cohort_with_a_run")
def test_the_api_reports_fitted_weights_beside_the_current_ones(
    client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    plant(session, 1000, manual=7)
    response = client.get("/calibration", headers=coordinator)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["pairings"], report["left_out"], report["folds"]) == (1000, 7, 5)
    assert 0 < report["ended_well"] < 1000
    assert report["too_little_data"] is None
    for name, value in PLANTED.items():
        assert report["fitted_weights"][name] == pytest.approx(value, abs=0.06)
    assert report["current_weights"] == {
        "skills": 0.64,
        "sector": 0.08,
        "region": 0.2,
        "experience": 0.08,
    }
    for estimate in (report["current"], report["fitted"]):
        assert 0.5 < estimate["low"] <= estimate["auc"] <= estimate["high"] <= 1
    # The planted weights differ from the defaults: the fitted ones predict better.
    assert report["fitted"]["auc"] > report["current"]["auc"]


@pytest.mark.usefixtures("cohort_with_a_run")
def test_the_api_says_when_there_is_too_little_data(
    client: TestClient, coordinator: dict[str, str], session: Session
) -> None:
    plant(session, 25)
    response = client.get("/calibration", headers=coordinator)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["too_little_data"].startswith("too little data: 25 finished pairings")
    assert (report["fitted_weights"], report["fitted"], report["current"]) == (None, None, None)


def test_only_coordinators_calibrate(client: TestClient, coordinator: dict[str, str]) -> None:
    registered = client.post("/mentees", json=mentee_payload(), headers=coordinator).json()
    assert client.get("/calibration").status_code == 401
    assert client.get("/calibration", headers=bearer(registered["token"])).status_code == 403
    response = client.get("/calibration", headers=coordinator, params={"folds": 1})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "folds"
