"""Ranking the eligible mentors of one mentee, for a coordinator pairing by hand."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from . import _explain
from ._encode import encode_cohort
from ._match import Pair
from ._model import MenteeProfile, MentorProfile, Rules, Vocabulary, Weights
from ._scores import rule_mask, score_cohort


def suggest(
    mentee: MenteeProfile,
    mentors: Sequence[MentorProfile],
    vocabulary: Vocabulary,
    capacities: npt.ArrayLike | None = None,
    forbidden: npt.ArrayLike | None = None,
    weights: Weights | None = None,
    min_score: float = 0.0,
    limit: int = 10,
    rules: Rules | None = None,
) -> tuple[Pair, ...]:
    """Rank the mentors one mentee may be paired with, best first.

    Parameters
    ----------
    mentee : MenteeProfile
    mentors : sequence of MentorProfile
    vocabulary : Vocabulary
    capacities : array_like of int, shape (n_mentors,), optional
        Places left per mentor; a mentor with none is not suggested.
        ``MentorProfile.capacity`` when omitted.
    forbidden : array_like of bool, shape (n_mentors,), optional
        True for mentors this mentee must never be paired with.
    weights : Weights, optional
    min_score : float
        Mentors scoring below this are not suggested.
    limit : int
        At most this many suggestions; ``len(mentors)`` lists every eligible one.
    rules : Rules, optional
        Hard rules, as in a run; the defaults when omitted (the mentor covers a need).

    Returns
    -------
    tuple of Pair
        Each with ``mentee == 0``, the mentor's index, its score, components and
        reason; ``runner_up`` is None. Ties go to the lower mentor index.

    Raises
    ------
    ValueError
        ``limit must be at least 1``; ``capacities must have shape (m,), got (...)``;
        ``forbidden must have shape (m,), got (...)``; ``min_score must be between 0 and 1``.

    Examples
    --------
    >>> vocab = Vocabulary(sectors={"care": "health"}, skills={"bids": "money"},
    ...                    regions=("north",), legal_forms=("cic",))
    >>> mentee = MenteeProfile("care", (("bids", 3),), "north", "remote", "cic", "exploring")
    >>> near = MentorProfile(("care",), ("bids",), ("cic",), True, 10, "north", "either")
    >>> far = MentorProfile(("care",), (), (), False, 2, "north", "in_person")
    >>> [(p.mentor, round(p.score, 2)) for p in suggest(mentee, [far, near], vocab)]
    [(1, 1.0)]
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not (np.isfinite(min_score) and 0.0 <= min_score <= 1.0):
        raise ValueError("min_score must be between 0 and 1")
    m = len(mentors)
    cap = (
        np.asarray(
            [mentor.capacity for mentor in mentors] if capacities is None else capacities
        ).reshape(-1)
        if m
        else np.zeros(0, np.int64)
    )
    if cap.shape != (m,):
        raise ValueError(f"capacities must have shape ({m},), got {cap.shape}")
    excluded = np.zeros(m, bool) if forbidden is None else np.asarray(forbidden, bool)
    if excluded.shape != (m,):
        raise ValueError(f"forbidden must have shape ({m},), got {excluded.shape}")
    if m == 0:
        return ()
    cohort = encode_cohort([mentee], mentors, vocabulary)
    scores = score_cohort(cohort, weights)
    total = scores.total[0]
    eligible = scores.compatible[0] & (cap > 0) & ~excluded & (total >= np.float32(min_score))
    kept = rule_mask(cohort, rules if rules is not None else Rules()).kept(np.zeros(1, np.int64))
    if kept is not None:
        eligible &= kept[0]
    candidates = np.flatnonzero(eligible)
    # Stable sort on the negated score keeps the lower index first among ties.
    ranked = candidates[np.argsort(-total[candidates], kind="stable")][:limit]
    return tuple(
        Pair(
            mentee=0,
            mentor=int(j),
            score=float(total[j]),
            sector=float(scores.sector[0, j]),
            skills=float(scores.skills[0, j]),
            region=float(scores.region[0, j]),
            experience=float(scores.experience[0, j]),
            reason=_explain.pair_reason(cohort, vocabulary, 0, int(j)),
            runner_up=None,
            runner_up_score=None,
        )
        for j in ranked
    )


def pair_conflicts(
    mentee: MenteeProfile,
    mentor: MentorProfile,
    vocabulary: Vocabulary,
    rules: Rules | None = None,
) -> tuple[str, ...]:
    """What rules out one pair in a run, capacity and exclusions aside.

    Parameters
    ----------
    mentee : MenteeProfile
    mentor : MentorProfile
    vocabulary : Vocabulary
    rules : Rules, optional
        The defaults when omitted (the mentor covers a need).

    Returns
    -------
    tuple of str
        ``'meeting'`` when meeting modes and regions rule the pair out, then the
        names of the rules it breaks (see `Rules`); empty when a run could propose it.

    Examples
    --------
    >>> vocab = Vocabulary(sectors={"care": "health"}, skills={"bids": "money", "hr": "people"},
    ...                    regions=("north", "south"), legal_forms=("cic",))
    >>> mentee = MenteeProfile("care", (("bids", 3),), "north", "in_person", "cic", "exploring")
    >>> mentor = MentorProfile(("care",), ("hr",), (), False, 2, "south", "either")
    >>> pair_conflicts(mentee, mentor, vocab)
    ('meeting', 'any_need')
    """
    cohort = encode_cohort([mentee], [mentor], vocabulary)
    found = [] if score_cohort(cohort).compatible[0, 0] else ["meeting"]
    mask = rule_mask(cohort, rules if rules is not None else Rules())
    found += [name for name, broken in mask.broken(np.zeros(1, np.int64)) if broken[0, 0]]
    return tuple(found)
