"""The one translation of a run's API parameters into the engine's."""

import importlib.util

import matching
from service.errors import FieldError, InvalidInput
from service.models import MatchRunCreate, RunRules, Solver


def match_rules(rules: RunRules) -> matching.Rules:
    """``matching.Rules`` for a run's (or a manual pairing's) rules."""
    try:
        return matching.Rules(**{**rules.model_dump(), "sector": rules.sector.value})
    except ValueError as exc:
        raise InvalidInput.for_fields([FieldError(field="rules", message=str(exc))]) from exc


def match_parameters(data: MatchRunCreate) -> matching.MatchParameters:
    """``matching.MatchParameters`` for a run request; 422 naming the field if refused."""
    if data.solver is Solver.flow and importlib.util.find_spec("ortools") is None:
        message = "needs the optional ortools package: pip install 'mentormatch[fast]'"
        raise InvalidInput.for_fields([FieldError(field="solver", message=message)])
    rules = match_rules(data.rules)
    try:
        return matching.MatchParameters(
            weights=matching.Weights(**data.weights.model_dump()),
            rules=rules,
            min_score=data.min_score,
            objective=data.objective.value,
            balance=data.balance,
            waiting_bonus=data.waiting_bonus,
            solver=data.solver.value,
        )
    except ValueError as exc:
        raise InvalidInput.for_fields([FieldError(field="weights", message=str(exc))]) from exc
