import ast
import doctest
import re
import sys
from pathlib import Path

import pytest

import matching
from matching import _calibrate, _encode, _match, _model, _report, _scores, _solve, _suggest

EXPECTED_ALL = [
    "Assignment",
    "COMPONENTS",
    "Calibration",
    "Cohort",
    "MEETING_MODES",
    "MENTOR_KINDS",
    "MatchParameters",
    "MatchResult",
    "MenteeProfile",
    "MentorProfile",
    "Pair",
    "QualityReport",
    "RULES",
    "Rules",
    "STAGES",
    "Scores",
    "TradeOff",
    "UNMATCHED_CODES",
    "Unmatched",
    "Vocabulary",
    "Weights",
    "assign",
    "calibrate",
    "encode_cohort",
    "greedy_assign",
    "match",
    "pair_conflicts",
    "quality_report",
    "score_cohort",
    "suggest",
]


def test_all_is_sorted_and_pinned():
    assert matching.__all__ == sorted(matching.__all__)
    assert matching.__all__ == EXPECTED_ALL
    for name in matching.__all__:
        assert hasattr(matching, name)


@pytest.mark.parametrize(
    "module", [_calibrate, _encode, _match, _model, _report, _scores, _solve, _suggest]
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_matching_imports_only_numpy_scipy_and_the_standard_library():
    allowed = {"numpy", "scipy", "ortools", "matching"} | set(sys.stdlib_module_names)
    for path in Path(matching.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            assert set(roots) <= allowed, (path.name, roots)


def test_parameters_from_mapping_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"^unknown parameter 'colour'$"):
        matching.MatchParameters.from_mapping({"colour": "blue"})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"objective": "fastest"},
            "unknown objective 'fastest'; expected 'max_matched' or 'max_score'",
        ),
        (
            {"solver": "magic"},
            "unknown solver 'magic'; expected 'auto', 'dense', 'sparse' or 'flow'",
        ),
        ({"min_score": 1.5}, "min_score must be between 0 and 1"),
        ({"min_score": float("nan")}, "min_score must be between 0 and 1"),
        ({"balance": -1.0}, "balance must be finite and non-negative"),
        ({"waiting_bonus": -0.1}, "waiting_bonus must be finite and non-negative"),
        ({"top_k": 0}, "top_k must be at least 1"),
    ],
)
def test_parameters_reject_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        matching.MatchParameters(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"skills": -1.0}, "weights must be finite and non-negative"),
        ({"skills": float("nan")}, "weights must be finite and non-negative"),
        ({"skills": 0, "sector": 0, "region": 0, "experience": 0}, "weights must not all be zero"),
    ],
)
def test_weights_reject_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        matching.Weights(**kwargs)
