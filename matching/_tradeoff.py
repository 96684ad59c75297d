"""Why a proposal is not the mentee's best eligible mentor, read off the solution.

For every proposal ``(i, j)`` whose mentee has an eligible mentor ``b`` scoring
higher, the explanation is made of facts about the solution, each computed for
all such proposals at once: ``b`` is at capacity; of ``b``'s mentees, ``k`` has the
fewest eligible mentors; and swapping ``i`` and ``k`` either leaves ``k``
unmatched (``k`` may not have ``j``) or changes the total score by an exact
amount, never upwards when the solution is optimal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._scores import SCORE_TOLERANCE, RuleMask

I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
# Below this a swap's change of the total is shown as "does not raise it".
_SHOWN = 0.005


@dataclass(frozen=True)
class TradeOff:
    """Why a mentee is proposed a mentor other than their best eligible one.

    ``better`` is that mentor (an index into the mentors) and ``better_score`` the
    pair's score. When ``better_full``, ``displaced`` is the mentee proposed to
    ``better`` who has the fewest other eligible mentors
    (``displaced_alternatives``; ``alternatives`` counts this mentee's).
    ``swap_change`` is the change of the total score if the two mentees swapped
    mentors, or None when the displaced mentee may not have this mentor.
    """

    better: int
    better_score: float
    better_full: bool
    displaced: int | None
    displaced_alternatives: int
    alternatives: int
    swap_change: float | None

    def text(self, better_name: str, displaced_name: str) -> str:
        """The explanation, naming the better mentor and the displaced mentee."""
        head = f"not the best eligible mentor: {better_name} ({self.better_score:.2f})"
        if not self.better_full or self.displaced is None:
            return f"{head} has a place, but the run's balance penalty spreads mentees"
        n = self.displaced_alternatives
        others = "no other eligible mentor" if n == 0 else f"{n} other eligible mentor"
        others += "s" if n > 1 else ""
        if n:
            others += f" (this mentee has {self.alternatives})"
        text = f"{head} is proposed to {displaced_name}, who has {others}"
        if self.swap_change is None:
            return f"{text}; swapping them would leave {displaced_name} unmatched"
        if self.swap_change <= -_SHOWN:
            return f"{text}; swapping them would lower the total score by {-self.swap_change:.2f}"
        if self.swap_change <= SCORE_TOLERANCE:
            return f"{text}; swapping them would not raise the total score"
        return text


def trade_offs(
    mentee: F32,
    mentor: F32,
    forbidden: I64,
    rules: RuleMask,
    min_score: float,
    capacity: I64,
    mentor_of: I64,
    n_eligible: I64,
    runner_up: I64,
    runner_up_score: npt.NDArray[np.float32],
) -> dict[int, TradeOff]:
    """Trade-offs of every matched mentee whose runner-up scores higher, by mentee.

    ``mentee`` and ``mentor`` are the fused features: their row products are true
    scores for eligible pairs. ``n_eligible`` counts each mentee's eligible mentors.
    """
    m = capacity.shape[0]
    matched = np.flatnonzero(mentor_of >= 0).astype(np.int64)
    if not matched.size:
        return {}
    own = _row_scores(mentee, mentor, matched, mentor_of[matched])
    better = runner_up[matched]
    better_score = runner_up_score[matched].astype(np.float64)
    worse = (better >= 0) & (better_score > own + SCORE_TOLERANCE)
    rows, b, own = matched[worse], better[worse], own[worse]
    better_score = better_score[worse]
    if not rows.size:
        return {}
    load = np.bincount(mentor_of[matched], minlength=m)
    full = load[b] >= capacity[b]

    # Per mentor, its proposed mentee with the fewest eligible mentors (then the lowest index).
    order = np.lexsort((matched, n_eligible[matched], mentor_of[matched]))
    by_mentor = mentor_of[matched][order]
    first = np.flatnonzero(np.r_[True, by_mentor[1:] != by_mentor[:-1]])
    fewest = np.full(m, -1, np.int64)
    fewest[by_mentor[first]] = matched[order][first]
    k = fewest[b]
    has_k = full & (k >= 0)

    j = mentor_of[rows]
    k_safe = np.where(has_k, k, rows)
    k_with_j = _row_scores(mentee, mentor, k_safe, j)
    k_with_b = _row_scores(mentee, mentor, k_safe, b)
    may_swap = has_k & (k_with_j >= min_score - SCORE_TOLERANCE)
    may_swap &= ~_is_forbidden(forbidden, k_safe, j)
    kept = rules.kept_pairs(k_safe, j)
    if kept is not None:
        may_swap &= kept
    change = better_score + k_with_j - own - k_with_b
    out: dict[int, TradeOff] = {}
    for p, i in enumerate(rows.tolist()):
        out[i] = TradeOff(
            better=int(b[p]),
            better_score=float(better_score[p]),
            better_full=bool(full[p]),
            displaced=int(k[p]) if has_k[p] else None,
            displaced_alternatives=int(n_eligible[k[p]]) - 1 if has_k[p] else 0,
            alternatives=int(n_eligible[i]) - 1,
            swap_change=float(change[p]) if may_swap[p] else None,
        )
    return out


def _row_scores(mentee: F32, mentor: F32, rows: I64, cols: I64) -> F64:
    """Fused products of the pairs ``(rows[p], cols[p])``: true scores where eligible,
    far below 0 where meeting modes, regions or capacity rule the pair out."""
    result: F64 = np.einsum(
        "pd,pd->p", mentee[rows].astype(np.float64), mentor[cols].astype(np.float64)
    )
    return result


def _is_forbidden(forbidden: I64, rows: I64, cols: I64) -> npt.NDArray[np.bool_]:
    if not forbidden.shape[0]:
        return np.zeros(rows.shape[0], bool)
    m = int(max(forbidden[:, 1].max(), cols.max(initial=0))) + 1
    keys = forbidden[:, 0] * m + forbidden[:, 1]
    wanted = rows * m + cols
    pos = np.minimum(np.searchsorted(keys, wanted), keys.shape[0] - 1)
    found: npt.NDArray[np.bool_] = keys[pos] == wanted
    return found
