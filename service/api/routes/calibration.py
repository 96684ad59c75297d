"""Learning from outcomes: weights fitted to how finished pairings went."""

from typing import Annotated

from fastapi import APIRouter, Query

from service.api.deps import CoordinatorDep, SessionDep
from service.errors import responses
from service.matchmaking import calibration
from service.models import AucEstimate, CalibrationReport, Weights

router = APIRouter(prefix="/calibration", tags=["match runs"])


def _estimate(auc: float, interval: tuple[float, float]) -> AucEstimate:
    return AucEstimate(auc=round(auc, 4), low=round(interval[0], 4), high=round(interval[1], 4))


def _weights(weights: object) -> Weights:
    return Weights(**{name: round(getattr(weights, name), 4) for name in Weights.model_fields})


@router.get("", response_model=CalibrationReport, responses=responses(401, 403))
def read_calibration(
    session: SessionDep,
    _: CoordinatorDep,
    folds: Annotated[int, Query(ge=2, le=20, description="Cross-validation folds.")] = 5,
) -> CalibrationReport:
    """Fit the score's weights to finished pairings' outcomes, beside the current ones.

    A pairing ended well when it completed and nobody said it was not a fit. Nothing
    changes: a coordinator adopts fitted weights by sending them with a match run.
    """
    assessed = calibration.assess(session=session, folds=folds)
    history, found = assessed.history, assessed.found
    return CalibrationReport(
        pairings=len(history.good),
        ended_well=int(history.good.sum()),
        left_out=history.without_components,
        current_weights=_weights(assessed.current),
        current=_estimate(found.auc_current, found.auc_current_interval) if found else None,
        fitted_weights=_weights(found.weights) if found else None,
        fitted=_estimate(found.auc_fitted, found.auc_fitted_interval) if found else None,
        folds=folds,
        too_little_data=assessed.refusal,
    )
