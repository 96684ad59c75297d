"""One matching run from profiles to explained proposals."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from . import _explain
from ._encode import Cohort, encode_cohort
from ._model import MatchParameters, MenteeProfile, MentorProfile, Rules, Vocabulary
from ._report import QualityReport, report_from_edges
from ._scores import (
    SCORE_TOLERANCE,
    Features,
    RuleMask,
    eligible_blocks,
    eligible_matrix,
    features,
    forbidden_cells,
    fused_features,
    pair_components,
    pair_totals,
    rule_mask,
    top_candidates,
)
from ._solve import (
    Edges,
    choose_solver,
    edges_from_matrix,
    slot_counts,
    solve_dense,
    solve_flow,
    solve_sparse,
    solve_widening,
)
from ._tradeoff import TradeOff, trade_offs

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Pair:
    """A proposed pair with its score, components, reason and runner-up.

    ``mentee`` and ``mentor`` index the input sequences. ``runner_up`` is the
    mentee's best other eligible mentor (ignoring capacity), or None. When the
    runner-up scores higher, ``trade_off`` says why the solution did not give it.
    """

    mentee: int
    mentor: int
    score: float
    sector: float
    skills: float
    region: float
    experience: float
    reason: str
    runner_up: int | None
    runner_up_score: float | None
    trade_off: TradeOff | None = None


@dataclass(frozen=True)
class Unmatched:
    """An unmatched mentee with a reason code (see `UNMATCHED_CODES`) and text.

    ``closest`` is the best-scoring mentor who has a place and can meet the
    mentee, or None; ``obstacle`` says what stood between them: ``'excluded'``,
    a rule name (see `Rules`), ``'below_min_score'``, ``'at_capacity'`` or
    ``'not_selected'``; ``obstacle_text`` says it in words.
    """

    mentee: int
    code: str
    reason: str
    closest: int | None = None
    closest_score: float | None = None
    obstacle: str = ""
    obstacle_text: str = ""


@dataclass(frozen=True, eq=False)
class MatchResult:
    """Everything one run produces; ``timings`` are seconds per stage."""

    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    report: QualityReport
    solver: str
    mentor_of: I64
    timings: Mapping[str, float]


def forbidden_pairs(forbidden: npt.ArrayLike | None, n: int, m: int) -> I64:
    """Excluded pairs as a sorted ``(p, 2)`` array of (mentee, mentor) indices."""
    empty = np.zeros((0, 2), np.int64)
    if forbidden is None:
        return empty
    arr = np.asarray(forbidden)
    if arr.dtype == np.bool_:
        if arr.shape != (n, m):
            raise ValueError(f"forbidden mask must have shape ({n}, {m}), got {arr.shape}")
        return np.argwhere(arr).astype(np.int64)
    if arr.size == 0:
        return empty
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            "forbidden must be a boolean mask or an array of (mentee, mentor) index pairs"
        )
    pairs = arr.astype(np.int64)
    if (pairs < 0).any() or (pairs[:, 0] >= n).any() or (pairs[:, 1] >= m).any():
        raise ValueError("forbidden pair index out of range")
    pairs = np.unique(pairs, axis=0)
    return pairs


def _capacity(capacities: npt.ArrayLike | None, cohort: Cohort) -> I64:
    if capacities is None:
        return cohort.mentor_capacity.astype(np.int64)
    cap = np.asarray(capacities)
    if cap.shape != (cohort.n_mentors,):
        raise ValueError(f"capacities must have shape ({cohort.n_mentors},), got {cap.shape}")
    if cap.size and not np.issubdtype(cap.dtype, np.integer):
        raise ValueError("capacities must be integers")
    if (cap < 0).any():
        raise ValueError("capacity must be non-negative")
    return cap.astype(np.int64)


def _candidate_edges(
    mentee: F32,
    mentor: F32,
    rows: I64,
    k: I64,
    forbidden: I64,
    min_score: float,
    rules: RuleMask,
) -> tuple[Edges, I64]:
    """Top-``k[r]`` edges of each row (rows increasing) and eligible counts."""
    out_rows, out_cols, out_vals = [], [], []
    n_eligible = np.zeros(rows.shape[0], np.int64)
    for kval in np.unique(k):
        pick = k == kval
        cands = top_candidates(
            mentee, mentor, rows[pick], forbidden, min_score, int(kval), rules=rules
        )
        n_eligible[pick] = cands.n_eligible
        valid = cands.cols >= 0
        out_rows.append(np.broadcast_to(rows[pick][:, None], valid.shape)[valid])
        out_cols.append(cands.cols[valid].astype(np.int64))
        out_vals.append(cands.vals[valid].astype(np.float64))
    if not out_rows:
        empty = np.zeros(0, np.int64)
        return Edges(empty, empty, np.zeros(0)), n_eligible
    r, c, v = np.concatenate(out_rows), np.concatenate(out_cols), np.concatenate(out_vals)
    order = np.lexsort((c, r))
    return Edges(r[order], c[order], v[order]), n_eligible


def _runner_up(edges: Edges, mentor_of: I64) -> tuple[I64, F32]:
    """Best edge per mentee other than its own mentor; ties go to the lower index."""
    n = mentor_of.shape[0]
    best = np.full(n, -1, np.int64)
    score = np.full(n, np.nan, np.float32)
    other = edges.cols != mentor_of[edges.rows]
    # Edges are sorted by row then column, so the first maximum has the lowest index.
    rows, cols, vals = edges.rows[other], edges.cols[other], edges.vals[other]
    if rows.size == 0:
        return best, score
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    top = np.maximum.reduceat(vals, starts)
    is_top = vals == np.repeat(top, np.diff(np.r_[starts, rows.size]))
    first_rows, first = np.unique(rows[is_top], return_index=True)
    best[first_rows] = cols[is_top][first]
    score[first_rows] = vals[is_top][first]
    return best, score


def _unmatched(
    mentee: F32,
    mentor: F32,
    forbidden: I64,
    capacity: I64,
    mentor_of: I64,
    min_score: float,
    rules: RuleMask,
    run_rules: Rules,
) -> tuple[Unmatched, ...]:
    """Why each unmatched mentee was left out, from the filters a pair passes in turn.

    A mentor is a candidate when both can meet and it has a place in the run;
    then come exclusions, the rules in force, the minimum score, and places
    still free after the assignment. The first filter that leaves nobody names
    the reason, and the best-scoring candidate is named with the filter that
    stopped it.
    """
    rows = np.flatnonzero(mentor_of < 0).astype(np.int64)
    m = mentor.shape[0]
    if m == 0:
        text = _explain.unmatched_reason(_explain.NO_ELIGIBLE_MENTOR, 0, 0.0, min_score)
        return tuple(Unmatched(int(i), _explain.NO_ELIGIBLE_MENTOR, text) for i in rows)
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=m)
    free = load < capacity
    threshold = np.float32(min_score - SCORE_TOLERANCE)
    no_pairs = np.zeros((0, 2), np.int64)
    out: list[Unmatched] = []
    # Unmasked products: incompatible pairs and mentors without places sit far below 0.
    for where, block in eligible_blocks(mentee, mentor, rows, no_pairs, 0.0, mask=False):
        chunk = rows[where]
        candidate = block > -1.0
        excluded = np.zeros(block.shape, bool)
        excluded[forbidden_cells(chunk, forbidden)] = True
        allowed = candidate & ~excluded
        broken = rules.broken(chunk)
        passes = allowed.copy()
        ruled_out = np.zeros((chunk.shape[0], len(broken)), np.int64)
        for k, (_, stop) in enumerate(broken):
            ruled_out[:, k] = np.count_nonzero(allowed & stop, axis=1)
            passes &= ~stop
        below = block < threshold
        above = passes & ~below
        n_above = np.count_nonzero(above, axis=1)
        has_free = np.any(above & free[None, :], axis=1)
        best_passing = np.max(np.where(passes, block, -np.inf), axis=1, initial=-np.inf)
        closest = np.argmax(np.where(candidate, block, -np.inf), axis=1)
        for r, i in enumerate(chunk.tolist()):
            if not candidate[r].any():
                code = _explain.NO_ELIGIBLE_MENTOR
                text = _explain.unmatched_reason(code, 0, 0.0, min_score)
                out.append(Unmatched(mentee=i, code=code, reason=text))
                continue
            if not allowed[r].any():
                code = _explain.ALL_EXCLUDED
            elif not passes[r].any():
                code = _explain.BREAKS_RULES
            elif not n_above[r]:
                code = _explain.BELOW_MIN_SCORE
            elif not has_free[r]:
                code = _explain.MENTORS_AT_CAPACITY
            else:
                code = _explain.NOT_SELECTED
            if code == _explain.BREAKS_RULES:
                text = _explain.rules_reason(
                    [(name, int(ruled_out[r, k])) for k, (name, _) in enumerate(broken)],
                    int(np.count_nonzero(allowed[r])),
                    run_rules,
                )
            else:
                text = _explain.unmatched_reason(
                    code, int(n_above[r]), float(best_passing[r]), min_score
                )
            j = int(closest[r])
            obstacle = "not_selected"
            if excluded[r, j]:
                obstacle = "excluded"
            elif any(stop[r, j] for _, stop in broken):
                obstacle = next(name for name, stop in broken if stop[r, j])
            elif below[r, j]:
                obstacle = "below_min_score"
            elif not free[j]:
                obstacle = "at_capacity"
            out.append(
                Unmatched(
                    mentee=i,
                    code=code,
                    reason=text,
                    closest=j,
                    closest_score=float(block[r, j]),
                    obstacle=obstacle,
                    obstacle_text=_explain.obstacle_text(obstacle, run_rules, min_score),
                )
            )
    return tuple(out)


def _pairs(
    cohort: Cohort,
    vocabulary: Vocabulary,
    feats: Features,
    parameters: MatchParameters,
    mentor_of: I64,
    runner: I64,
    why: Mapping[int, TradeOff],
) -> tuple[tuple[Pair, ...], npt.NDArray[np.float64]]:
    rows = np.flatnonzero(mentor_of >= 0).astype(np.int64)
    cols = mentor_of[rows]
    comps = pair_components(feats, rows, cols)
    totals = pair_totals(comps, parameters.weights)
    runner_rows = rows[runner[rows] >= 0]
    runner_scores = np.full(cohort.n_mentees, np.nan)
    runner_scores[runner_rows] = pair_totals(
        pair_components(feats, runner_rows, runner[runner_rows]), parameters.weights
    )
    pairs = []
    for p, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        ru = int(runner[i])
        pairs.append(
            Pair(
                mentee=i,
                mentor=j,
                score=float(totals[p]),
                sector=float(comps[p, 0]),
                skills=float(comps[p, 1]),
                region=float(comps[p, 2]),
                experience=float(comps[p, 3]),
                reason=_explain.pair_reason(cohort, vocabulary, i, j),
                runner_up=ru if ru >= 0 else None,
                runner_up_score=float(runner_scores[i]) if ru >= 0 else None,
                trade_off=why.get(i),
            )
        )
    return tuple(pairs), totals


def match(
    mentees: Sequence[MenteeProfile],
    mentors: Sequence[MentorProfile],
    vocabulary: Vocabulary,
    capacities: npt.ArrayLike | None = None,
    forbidden: npt.ArrayLike | None = None,
    parameters: MatchParameters | None = None,
) -> MatchResult:
    """Propose mentee-mentor pairs for one run, with reasons and a quality report.

    Parameters
    ----------
    mentees : sequence of MenteeProfile
    mentors : sequence of MentorProfile
    vocabulary : Vocabulary
        Codes and labels the profiles use.
    capacities : array_like of int, shape (n_mentors,), optional
        Remaining capacity per mentor; ``MentorProfile.capacity`` when omitted.
        A mentor with capacity 0 is never proposed.
    forbidden : array_like, optional
        Excluded pairs, either a boolean mask of shape ``(n_mentees, n_mentors)``
        (True = excluded) or an integer array of ``(mentee_index, mentor_index)``
        rows. Indices refer to positions in `mentees` and `mentors`.
    parameters : MatchParameters, optional
        Weights, hard rules, minimum score, objective, balance, waiting bonus
        and solver.

    Returns
    -------
    MatchResult
        ``pairs`` ordered by mentee, ``unmatched`` mentees with a reason code
        (``no_eligible_mentor``, ``all_excluded``, ``breaks_rules``,
        ``below_min_score``, ``mentors_at_capacity`` or ``not_selected``) and
        their closest mentor, the quality report, the solver used and timings. For
        the sparse solvers the report's greedy baseline and blocking pairs are
        computed on the candidate lists.

    Raises
    ------
    ValueError
        For codes missing from the vocabulary (see `encode_cohort`),
        ``capacities must have shape (m,), got (...)``, ``capacity must be
        non-negative``, ``forbidden mask must have shape (n, m), got (...)``,
        ``forbidden pair index out of range`` and, with ``solver='flow'``, when
        ortools is missing.

    Examples
    --------
    >>> from matching import MenteeProfile, MentorProfile, Vocabulary
    >>> vocab = Vocabulary(
    ...     sectors={"care": "health"}, skills={"bids": "money", "boards": "governance"},
    ...     regions=("north", "south"), legal_forms=("cic",),
    ...     labels={"care": "adult social care", "bids": "bid writing"})
    >>> mentee = MenteeProfile(
    ...     "care", (("bids", 3), ("boards", 1)), "north", "remote", "cic", "exploring")
    >>> mentor = MentorProfile(("care",), ("bids",), ("cic",), True, 10, "south", "either")
    >>> result = match([mentee], [mentor], vocab)
    >>> result.pairs[0].reason
    'same sector: adult social care; covers 1 of 2 needs: bid writing; both remote'
    >>> round(result.pairs[0].score, 3)
    0.74
    """
    parameters = parameters if parameters is not None else MatchParameters()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        clock = now

    cohort = encode_cohort(mentees, mentors, vocabulary)
    capacity = _capacity(capacities, cohort)
    forbid = forbidden_pairs(forbidden, cohort.n_mentees, cohort.n_mentors)
    n = cohort.n_mentees
    used = choose_solver(parameters.solver, n, int(slot_counts(capacity, n).sum()))
    bonus = parameters.waiting_bonus * cohort.mentee_waited.astype(np.float64)
    lap("encode")

    feats = features(cohort)
    plain_mentee, plain_mentor = fused_features(feats, parameters.weights, capacity)
    all_rules = rule_mask(cohort, parameters.rules)
    extra_mentee, extra_mentor = all_rules.fused_columns(n, cohort.n_mentors)
    mentee = np.ascontiguousarray(np.hstack([plain_mentee, extra_mentee]), np.float32)
    mentor = np.ascontiguousarray(np.hstack([plain_mentor, extra_mentor]), np.float32)
    rules = all_rules.residual()
    min_score = parameters.min_score
    if used == "dense":
        matrix = eligible_matrix(mentee, mentor, forbid, min_score, rules)
        ok = matrix > -np.inf
        n_eligible = np.count_nonzero(ok, axis=1).astype(np.int64)
        weights = np.where(ok, matrix, 0.0).astype(np.float64)
        lap("score")
        mentor_of = solve_dense(
            weights, ok, capacity, parameters.objective, parameters.balance, bonus
        )
        lap("solve")
        edges = edges_from_matrix(weights, ok)
    else:
        rows = np.arange(n, dtype=np.int64)
        k = np.full(n, parameters.top_k, np.int64)
        edges, n_eligible = _candidate_edges(mentee, mentor, rows, k, forbid, min_score, rules)
        lap("score")

        def widen(rows: I64, k: I64) -> Edges:
            return _candidate_edges(mentee, mentor, rows, k, forbid, min_score, rules)[0]

        mentor_of, edges = solve_widening(
            edges,
            n_eligible,
            k,
            capacity,
            parameters.objective,
            parameters.balance,
            bonus,
            widen,
            lambda rows: eligible_blocks(mentee, mentor, rows, forbid, min_score, rules=rules),
            solve_flow if used == "flow" else solve_sparse,
        )
        lap("solve")

    runner, runner_score = _runner_up(edges, mentor_of)
    why = trade_offs(
        mentee,
        mentor,
        forbid,
        all_rules,
        min_score,
        capacity,
        mentor_of,
        n_eligible,
        runner,
        runner_score,
    )
    pairs, totals = _pairs(cohort, vocabulary, feats, parameters, mentor_of, runner, why)
    # Without the rules' penalty columns, so that a broken rule is told from a
    # meeting that cannot happen.
    unmatched = _unmatched(
        plain_mentee,
        plain_mentor,
        forbid,
        capacity,
        mentor_of,
        min_score,
        all_rules,
        parameters.rules,
    )
    lap("explain")
    report = report_from_edges(edges, capacity, mentor_of, totals)
    lap("report")
    return MatchResult(
        pairs=pairs,
        unmatched=unmatched,
        report=report,
        solver=used,
        mentor_of=mentor_of,
        timings=timings,
    )
