"""Matching mentees with mentors: scores, capacitated assignment, explanations.

The pure numeric core of mentormatch. It imports numpy and scipy only (and
optionally ortools for the ``'flow'`` solver); it does no I/O.

Typical use is one call to `match`; the lower-level `encode_cohort`,
`score_cohort`, `assign`, `greedy_assign` and `quality_report` work on arrays;
`suggest` ranks the eligible mentors of one mentee; `calibrate` fits weights to
the outcomes of finished pairings.

Errors: invalid input raises the built-in ``ValueError`` with an exact message
(shape mismatch, NaN, negative capacity, unknown code, parameter, objective or
solver). An infeasible problem is never an error: mentees are left unmatched,
each with a reason code from `UNMATCHED_CODES`.
"""

from ._calibrate import Calibration, calibrate
from ._encode import Cohort, encode_cohort
from ._explain import UNMATCHED_CODES
from ._match import MatchResult, Pair, Unmatched, match
from ._model import (
    MEETING_MODES,
    MENTOR_KINDS,
    RULES,
    STAGES,
    MatchParameters,
    MenteeProfile,
    MentorProfile,
    Rules,
    Vocabulary,
    Weights,
)
from ._report import QualityReport, quality_report
from ._scores import COMPONENTS, Scores, score_cohort
from ._solve import Assignment, assign, greedy_assign
from ._suggest import pair_conflicts, suggest
from ._tradeoff import TradeOff

__all__ = [
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
