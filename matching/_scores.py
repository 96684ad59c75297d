"""The score model, computed with matrix products.

Every component is bilinear in a mentee feature vector and a mentor feature
vector, so a component matrix is one matrix product ``A_c @ B_c.T``:

- sector: ``0.5 * same sector + 0.5 * same group`` (the same sector is in the same
  group, so this is 1, 0.5 or 0);
- skills: ``sum_k p_k * (0.5 * has skill k + 0.5 * has a skill of k's group) /
  sum_k p_k``, which is 1 per exactly covered need and 0.5 per need covered by
  the group;
- region: ``shared + 0.5 * remote_i * remote_j * (1 - shared)`` where ``shared``
  means the mentor serves the mentee's region and ``remote`` means the mode is
  remote or either;
- experience: ``0.5 * has the mentee's legal form`` plus ``0.5 * led a spin-out``
  for mentees exploring, spinning out or spun out, or ``0.5 * min(years, 10) / 10``
  for established ones.

A pair is *incompatible* (never assigned) when one side meets only in person and
the other only remotely, or when they share no region and one side meets only in
person. The indicator ``conflict(mode_i, mode_j) + (1 - shared) * (1 - remote_i *
remote_j)`` is bilinear too, so the solvers get the weighted total and the
incompatibility penalty from a single float32 product, chunked over mentees.

A run's hard rules (`Rules`) are bilinear counts too: a pair keeps a rule when
``rule_a[i] @ rule_b[j] >= 1``. Most rules take few distinct mentee rows (one per
sector, region, or set of need groups), so a rule is kept as a small table of
those rows against every mentor and looked up per block, rather than multiplied
out again for every pair.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ._encode import EITHER, IN_PERSON, REMOTE, Cohort
from ._model import STAGES, Rules, Weights

COMPONENTS: tuple[str, ...] = ("sector", "skills", "region", "experience")
REMOTE_REGION_SCORE = 0.5
YEARS_FOR_FULL_CREDIT = 10
ESTABLISHED = STAGES.index("established")
SPINNING_OUT = STAGES.index("spinning_out")
# A rule's distinct mentee rows above this are multiplied out per block instead.
_RULE_TABLE_ROWS = 1024
# A rule with at most this many distinct mentee rows joins the fused product as a
# penalty column per row, which costs less than masking every block afterwards.
_RULE_FUSED_ROWS = 64
# A penalty large enough that any incompatible pair ends far below every
# eligible one in the fused product, yet small enough to keep float32 precise.
_PENALTY = 4.0
# Float32 products carry ~1e-7 error; a pair exactly at the minimum stays eligible.
SCORE_TOLERANCE = 1e-6
_BLOCK_ELEMENTS = 1 << 20
_SAMPLE_STRIDE = 8
_TIE_ROTATION = 7919

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class Scores:
    """Score matrices of a cohort, all of shape ``(n_mentees, n_mentors)``.

    ``total`` is the weighted mean of the four components; ``compatible`` is False
    where meeting modes and regions rule a pair out.
    """

    total: F32
    sector: F32
    skills: F32
    region: F32
    experience: F32
    compatible: Bool


@dataclass(frozen=True, eq=False)
class Features:
    mentee: tuple[F32, ...]
    mentor: tuple[F32, ...]


def _onehot(index: npt.NDArray[np.int32], size: int) -> F32:
    out = np.zeros((index.shape[0], size), np.float32)
    out[np.arange(index.shape[0]), index] = 1.0
    return out


def features(cohort: Cohort) -> Features:
    """Per-component feature blocks, then the incompatibility block."""
    n = cohort.n_mentees
    n_skills, n_skill_groups = len(cohort.skill_codes), len(cohort.skill_group_codes)
    n_regions = len(cohort.region_codes)

    sector_a = 0.5 * np.hstack(
        [
            _onehot(cohort.mentee_sector, len(cohort.sector_codes)),
            _onehot(cohort.sector_group_of[cohort.mentee_sector], len(cohort.sector_group_codes)),
        ]
    )
    groups_of_sectors = _onehot(cohort.sector_group_of, len(cohort.sector_group_codes))
    sector_b = np.hstack(
        [cohort.mentor_sectors, (cohort.mentor_sectors @ groups_of_sectors) > 0]
    ).astype(np.float32)

    priority = np.zeros((n, n_skills + 1), np.float32)
    rows = np.repeat(np.arange(n), cohort.mentee_needs.shape[1])
    # Padding (-1) lands in the spare last column, then is dropped.
    np.add.at(priority, (rows, cohort.mentee_needs.ravel()), cohort.mentee_priority.ravel())
    priority = priority[:, :n_skills]
    total = np.maximum(priority.sum(axis=1, keepdims=True), 1.0)
    groups_of_skills = _onehot(cohort.skill_group_of, n_skill_groups)
    skills_a = (0.5 / total) * np.hstack([priority, priority @ groups_of_skills])
    skills_b = np.hstack(
        [cohort.mentor_skills, (cohort.mentor_skills @ groups_of_skills) > 0]
    ).astype(np.float32)

    region = _onehot(cohort.mentee_region, n_regions)
    served = cohort.mentor_regions.astype(np.float32)
    remote_i = np.isin(cohort.mentee_mode, (REMOTE, EITHER)).astype(np.float32)[:, None]
    remote_j = np.isin(cohort.mentor_mode, (REMOTE, EITHER)).astype(np.float32)[:, None]
    region_a = np.hstack([region, remote_i, region * remote_i])
    region_b = np.hstack(
        [served, REMOTE_REGION_SCORE * remote_j, -REMOTE_REGION_SCORE * served * remote_j]
    )

    young = (cohort.mentee_stage != ESTABLISHED).astype(np.float32)[:, None]
    experience_a = 0.5 * np.hstack(
        [_onehot(cohort.mentee_legal_form, len(cohort.legal_form_codes)), young, 1.0 - young]
    )
    years = np.minimum(cohort.mentor_years, YEARS_FOR_FULL_CREDIT) / YEARS_FOR_FULL_CREDIT
    experience_b = np.hstack(
        [
            cohort.mentor_legal_forms,
            cohort.mentor_led_spin_out[:, None],
            years[:, None],
        ]
    ).astype(np.float32)

    conflict = np.zeros((3, 3), np.float32)
    conflict[IN_PERSON, REMOTE] = conflict[REMOTE, IN_PERSON] = 1.0
    ones_i, ones_j = np.ones((n, 1), np.float32), np.ones((cohort.n_mentors, 1), np.float32)
    block_a = np.hstack(
        [_onehot(cohort.mentee_mode, 3), ones_i, region, remote_i, region * remote_i]
    )
    block_b = np.hstack(
        [conflict[:, cohort.mentor_mode].T, ones_j, -served, -remote_j, served * remote_j]
    )
    mentee = (sector_a, skills_a, region_a, experience_a, block_a)
    mentor = (sector_b, skills_b, region_b, experience_b, block_b)
    return Features(
        mentee=tuple(np.ascontiguousarray(a, np.float32) for a in mentee),
        mentor=tuple(np.ascontiguousarray(b, np.float32) for b in mentor),
    )


def _rule_features(cohort: Cohort, name: str, rules: Rules) -> tuple[F32, F32]:
    """Mentee and mentor rows whose product is at least 1 where a pair keeps the rule."""
    n, m = cohort.n_mentees, cohort.n_mentors
    n_skills = len(cohort.skill_codes)
    needs = np.zeros((n, n_skills + 1), np.float32)
    rows = np.repeat(np.arange(n), cohort.mentee_needs.shape[1])
    # Padding (-1) lands in the spare last column, then is dropped.
    needs[rows, cohort.mentee_needs.ravel()] = cohort.mentee_priority.ravel()
    needs = needs[:, :n_skills]
    skills = cohort.mentor_skills.astype(np.float32)
    if name == "any_need":
        groups = _onehot(cohort.skill_group_of, len(cohort.skill_group_codes))
        # Indicators, not counts: few distinct rows, one per set of needed groups.
        needed = ((needs > 0).astype(np.float32) @ groups > 0).astype(np.float32)
        return needed, (skills @ groups > 0).astype(np.float32)
    if name == "sector":
        if rules.sector == "same":
            return _onehot(cohort.mentee_sector, len(cohort.sector_codes)), _floats(
                cohort.mentor_sectors
            )
        groups = _onehot(cohort.sector_group_of, len(cohort.sector_group_codes))
        mentee_group = _onehot(cohort.sector_group_of[cohort.mentee_sector], groups.shape[1])
        return mentee_group, (cohort.mentor_sectors.astype(np.float32) @ groups > 0).astype(
            np.float32
        )
    if name == "min_needs":
        wanted = np.minimum(rules.min_needs, (needs > 0).sum(axis=1)).astype(np.float32)
        mentee = np.hstack([(needs > 0).astype(np.float32), (1.0 - wanted)[:, None]])
        return mentee, np.hstack([skills, np.ones((m, 1), np.float32)])
    if name == "top_need":
        top = needs.max(axis=1, keepdims=True)
        return ((needs == top) & (needs > 0)).astype(np.float32), skills
    if name == "region_served":
        return _onehot(cohort.mentee_region, len(cohort.region_codes)), _floats(
            cohort.mentor_regions
        )
    if name == "legal_form":
        return _onehot(cohort.mentee_legal_form, len(cohort.legal_form_codes)), _floats(
            cohort.mentor_legal_forms
        )
    if name == "peer_for_spin_out":
        spinning = (cohort.mentee_stage == SPINNING_OUT).astype(np.float32)
        return np.stack([spinning, 1.0 - spinning], axis=1), np.stack(
            [cohort.mentor_peer.astype(np.float32), np.ones(m, np.float32)], axis=1
        )
    raise ValueError(f"unknown rule {name!r}")


def _floats(mask: Bool) -> F32:
    return mask.astype(np.float32)


@dataclass(frozen=True, eq=False)
class _Rule:
    name: str
    mentee: F32
    mentor_t: F32
    # When the mentee rows are few: which distinct row each mentee has, and the
    # distinct rows' verdict for every mentor.
    inverse: I64 | None
    table: Bool | None

    @property
    def fusable(self) -> bool:
        return self.table is not None and self.table.shape[0] <= _RULE_FUSED_ROWS

    def kept(self, rows: I64) -> Bool:
        if self.table is not None and self.inverse is not None:
            result: Bool = self.table[self.inverse[rows]]
            return result
        kept: Bool = (self.mentee[rows] @ self.mentor_t) > 0.5
        return kept


@dataclass(frozen=True, eq=False)
class RuleMask:
    """The hard rules of a run, evaluated block by block."""

    rules: tuple[_Rule, ...]

    def fused_columns(self, n: int, m: int) -> tuple[F32, F32]:
        """Mentee and mentor columns whose product is ``-_PENALTY`` where a pair breaks
        a rule with few distinct mentee rows, else 0; see `residual`."""
        mentee, mentor = [np.zeros((n, 0), np.float32)], [np.zeros((m, 0), np.float32)]
        for rule in self.rules:
            if rule.fusable:
                assert rule.table is not None
                assert rule.inverse is not None
                mentee.append(_onehot(rule.inverse.astype(np.int32), rule.table.shape[0]))
                mentor.append((-_PENALTY * ~rule.table).T.astype(np.float32))
        return np.hstack(mentee), np.hstack(mentor)

    def residual(self) -> RuleMask:
        """The rules `fused_columns` leaves out, to apply block by block."""
        return RuleMask(tuple(rule for rule in self.rules if not rule.fusable))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self.rules)

    def kept(self, rows: I64) -> Bool | None:
        """Where the pairs of `rows` keep every rule; None when there is no rule."""
        out: Bool | None = None
        for rule in self.rules:
            ok = rule.kept(rows)
            out = ok if out is None else np.logical_and(out, ok, out=out)
        return out

    def kept_pairs(self, rows: I64, cols: I64) -> Bool | None:
        """Whether each pair ``(rows[p], cols[p])`` keeps every rule; None without rules."""
        out: Bool | None = None
        for rule in self.rules:
            if rule.table is not None and rule.inverse is not None:
                ok: Bool = rule.table[rule.inverse[rows], cols]
            else:
                ok = np.einsum("pd,dp->p", rule.mentee[rows], rule.mentor_t[:, cols]) > 0.5
            out = ok if out is None else out & ok
        return out

    def broken(self, rows: I64) -> list[tuple[str, Bool]]:
        """Each rule's name and where the pairs of `rows` break it."""
        return [(rule.name, ~rule.kept(rows)) for rule in self.rules]


def rule_mask(cohort: Cohort, rules: Rules) -> RuleMask:
    built = []
    for name in rules.active():
        a, b = _rule_features(cohort, name, rules)
        a = np.ascontiguousarray(a, np.float32)
        mentor_t = np.ascontiguousarray(b.T, np.float32)
        inverse = table = None
        if a.shape[0]:
            distinct, inv = np.unique(a, axis=0, return_inverse=True)
            if distinct.shape[0] <= _RULE_TABLE_ROWS:
                inverse, table = inv.reshape(-1).astype(np.int64), (distinct @ mentor_t) > 0.5
        built.append(_Rule(name, a, mentor_t, inverse, table))
    return RuleMask(tuple(built))


def _weight_vector(weights: Weights) -> F64:
    w: F64 = np.array([getattr(weights, c) for c in COMPONENTS], np.float64)
    result: F64 = w / w.sum()
    return result


def score_cohort(cohort: Cohort, weights: Weights | None = None) -> Scores:
    """Score every mentee against every mentor.

    Parameters
    ----------
    cohort : Cohort
        From `encode_cohort`.
    weights : Weights, optional
        Component weights; the defaults when omitted.

    Returns
    -------
    Scores
        ``total`` and the four components, float32 in [0, 1], and the
        ``compatible`` mask of meeting modes and regions. Capacity, exclusions and
        the minimum score are not applied here.

    Examples
    --------
    >>> from matching import MenteeProfile, MentorProfile, Vocabulary, encode_cohort
    >>> vocab = Vocabulary(
    ...     sectors={"care": "health"}, skills={"bids": "money"},
    ...     regions=("north",), legal_forms=("cic",))
    >>> mentee = MenteeProfile("care", (("bids", 3),), "north", "remote", "cic", "exploring")
    >>> mentor = MentorProfile(("care",), ("bids",), ("cic",), True, 10, "north", "either")
    >>> score_cohort(encode_cohort([mentee], [mentor], vocab)).total.round(4)
    array([[1.]], dtype=float32)
    """
    weights = weights if weights is not None else Weights()
    feats = features(cohort)
    parts = [a @ b.T for a, b in zip(feats.mentee, feats.mentor, strict=True)]
    w = _weight_vector(weights).astype(np.float32)
    total = np.zeros((cohort.n_mentees, cohort.n_mentors), np.float32)
    for k in range(len(COMPONENTS)):
        total += w[k] * parts[k]
    # The clip removes float32 noise at the ends, e.g. 1.0000001.
    np.clip(total, 0.0, 1.0, out=total)
    return Scores(
        total=total,
        sector=parts[0],
        skills=parts[1],
        region=parts[2],
        experience=parts[3],
        compatible=parts[4] < 0.5,
    )


def fused_features(feats: Features, weights: Weights, capacity: I64) -> tuple[F32, F32]:
    """Mentee and mentor matrices whose product is the total score, pushed below
    ``1 - _PENALTY`` for incompatible pairs and mentors without capacity."""
    w = _weight_vector(weights)
    n, m = feats.mentee[0].shape[0], feats.mentor[0].shape[0]
    mentee = [w[k] * feats.mentee[k] for k in range(len(COMPONENTS))]
    mentee += [-_PENALTY * feats.mentee[-1], np.full((n, 1), -_PENALTY)]
    mentor = [*feats.mentor, (capacity == 0).astype(np.float32).reshape(m, 1)]
    return (
        np.ascontiguousarray(np.hstack(mentee), np.float32),
        np.ascontiguousarray(np.hstack(mentor), np.float32),
    )


def pair_components(feats: Features, rows: I64, cols: I64) -> F64:
    """Components of the pairs ``(rows[p], cols[p])``, shape ``(len(rows), 4)``."""
    out = np.zeros((rows.shape[0], len(COMPONENTS)), np.float64)
    for k in range(len(COMPONENTS)):
        a = feats.mentee[k][rows].astype(np.float64)
        b = feats.mentor[k][cols].astype(np.float64)
        out[:, k] = np.einsum("pd,pd->p", a, b)
    return out


def pair_totals(components: F64, weights: Weights) -> F64:
    result: F64 = np.clip(components @ _weight_vector(weights), 0.0, 1.0)
    return result


def eligible_blocks(
    mentee: F32,
    mentor: F32,
    rows: I64,
    forbidden: I64,
    min_score: float,
    mask: bool = True,
    rules: RuleMask | None = None,
) -> Iterator[tuple[slice, F32]]:
    """Yield ``(positions in rows, scores)`` blocks with ineligible pairs at -inf.

    ``rows`` must be increasing; ``forbidden`` is a ``(p, 2)`` array sorted by row.
    Each block is only valid until the next one is yielded. With ``mask=False``
    only excluded pairs and pairs breaking a rule are set to -inf and the caller
    applies the threshold.
    """
    m = mentor.shape[0]
    step = max(1, _BLOCK_ELEMENTS // max(m, 1))
    threshold = np.float32(min_score - SCORE_TOLERANCE)
    mentor_t = np.ascontiguousarray(mentor.T)
    # One reused buffer: fresh multi-megabyte arrays per block cost page faults.
    buffer = np.empty((min(step, rows.shape[0]), m), np.float32)
    for start in range(0, rows.shape[0], step):
        chunk = rows[start : start + step]
        block = buffer[: chunk.shape[0]]
        np.matmul(mentee[chunk], mentor_t, out=block)
        if mask:
            block[block < threshold] = -np.inf
        kept = rules.kept(chunk) if rules is not None else None
        if kept is not None:
            np.copyto(block, np.float32(-np.inf), where=np.logical_not(kept, out=kept))
        block[forbidden_cells(chunk, forbidden)] = -np.inf
        yield slice(start, start + chunk.shape[0]), block


def forbidden_cells(chunk: I64, forbidden: I64) -> tuple[I64, I64]:
    """(position in chunk, mentor) of the excluded pairs of the increasing rows `chunk`."""
    if not forbidden.shape[0] or not chunk.shape[0]:
        empty = np.zeros(0, np.int64)
        return empty, empty
    lo = np.searchsorted(forbidden[:, 0], chunk[0], "left")
    hi = np.searchsorted(forbidden[:, 0], chunk[-1], "right")
    sub = forbidden[lo:hi]
    local = np.minimum(np.searchsorted(chunk, sub[:, 0]), chunk.shape[0] - 1)
    hit = chunk[local] == sub[:, 0]
    return local[hit].astype(np.int64), sub[hit, 1].astype(np.int64)


def eligible_matrix(
    mentee: F32, mentor: F32, forbidden: I64, min_score: float, rules: RuleMask | None = None
) -> F32:
    """Total scores of all pairs, -inf where ineligible."""
    n, m = mentee.shape[0], mentor.shape[0]
    out = np.empty((n, m), np.float32)
    for where, block in eligible_blocks(
        mentee, mentor, np.arange(n), forbidden, min_score, rules=rules
    ):
        out[where] = block
    return out


@dataclass(frozen=True, eq=False)
class Candidates:
    """The best eligible mentors per mentee, best first, padded with -1 / -inf.

    ``n_eligible[i]`` counts all eligible mentors of mentee i, so a row is
    truncated when ``n_eligible[i] > (cols[i] >= 0).sum()``.
    """

    cols: npt.NDArray[np.int32]
    vals: F32
    n_eligible: I64


def top_candidates(
    mentee: F32,
    mentor: F32,
    rows: I64,
    forbidden: I64,
    min_score: float,
    k: int,
    rules: RuleMask | None = None,
) -> Candidates:
    """Best ``k`` eligible mentors of each mentee in ``rows``, best first.

    Ties go by ``(mentor - mentee * 7919) mod n_mentors``: deterministic, and it
    spreads tied mentees over tied mentors.

    A full partition of every row costs ~11 ns per pair; instead the k-th best of
    every ``_SAMPLE_STRIDE``-th mentor gives a lower bound on the row's k-th best,
    and only the few cells above it are sorted.
    """
    m = mentor.shape[0]
    k = min(k, m)
    n_rows = rows.shape[0]
    cols = np.full((n_rows, k), -1, np.int32)
    vals = np.full((n_rows, k), -np.inf, np.float32)
    n_eligible = np.zeros(n_rows, np.int64)
    if k == 0:
        return Candidates(cols, vals, n_eligible)
    threshold = np.float32(min_score - SCORE_TOLERANCE)
    col_bits = max(1, (m - 1).bit_length())
    for where, block in eligible_blocks(
        mentee, mentor, rows, forbidden, min_score, mask=False, rules=rules
    ):
        n_eligible[where] = np.count_nonzero(block >= threshold, axis=1)
        sample = block[:, ::_SAMPLE_STRIDE]
        if sample.shape[1] > k:
            bound = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
            bound = np.maximum(bound, threshold)
        else:
            bound = np.full(block.shape[0], threshold, np.float32)
        r, c = np.nonzero(block >= bound[:, None])
        v = block[r, c]
        # One int64 key (row, then score descending, then mentor) sorts ~18x faster
        # than lexsort; non-negative float32 bits order like the floats. Equal
        # scores go by the mentor index rotated per mentee: plain index order would
        # send every tied mentee to the same low-index mentors and crowd them.
        bits = (np.maximum(v, 0) + np.float32(0)).view(np.int32).astype(np.int64)
        turn = (c - rows[where][r] * _TIE_ROTATION) % m
        key = (r.astype(np.int64) << (31 + col_bits)) | ((0x7FFFFFFF - bits) << col_bits) | turn
        order = np.argsort(key)
        r, c, v = r[order], c[order], v[order]
        starts = np.searchsorted(r, np.arange(block.shape[0]))
        rank = np.arange(r.shape[0]) - starts[r]
        keep = rank < k
        out_rows = r[keep] + where.start
        cols[out_rows, rank[keep]] = c[keep]
        vals[out_rows, rank[keep]] = v[keep]
    return Candidates(cols, vals, n_eligible)
