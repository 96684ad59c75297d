"""Trade-off reasons are true: checked against brute force on small cohorts."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import MatchParameters, encode_cohort, match, score_cohort

from .reference import VOCAB, brute_force, random_cohort


def eligibility(mentees, mentors, forbidden, min_score):
    scores = score_cohort(encode_cohort(mentees, mentors, VOCAB))
    capacity = np.array([b.capacity for b in mentors])
    eligible = scores.compatible & (scores.skills > 0) & (capacity[None, :] > 0)
    eligible &= scores.total >= min_score - 1e-6
    for i, j in forbidden:
        eligible[i, j] = False
    return scores.total.astype(np.float64), eligible, capacity


def check_trade_offs(seed, n, m, min_score=0.2):
    mentees, mentors = random_cohort(seed, n, m, capacity_max=2)
    rng = np.random.default_rng(seed)
    forbidden = [(i, j) for i in range(n) for j in range(m) if rng.random() < 0.1]
    params = MatchParameters(min_score=min_score, solver="dense")
    result = match(
        mentees,
        mentors,
        VOCAB,
        forbidden=np.array(forbidden, np.int64).reshape(-1, 2),
        parameters=params,
    )
    total, eligible, capacity = eligibility(mentees, mentors, forbidden, min_score)
    mentor_of = result.mentor_of
    load = np.bincount(mentor_of[mentor_of >= 0], minlength=m)
    n_eligible = eligible.sum(axis=1)
    best_count, best_total = result.report.matched, result.report.total_score
    found = 0
    for pair in result.pairs:
        i, j = pair.mentee, pair.mentor
        best_other = max((total[i, b] for b in range(m) if b != j and eligible[i, b]), default=-1.0)
        if pair.trade_off is None:
            assert best_other <= pair.score + 1e-5
            continue
        found += 1
        t = pair.trade_off
        b = t.better
        assert eligible[i, b]
        assert t.better_score == pytest.approx(total[i, b], abs=1e-5)
        assert t.better_score > pair.score
        assert t.alternatives == n_eligible[i] - 1
        # The objective prefers this: the best assignment giving i mentor b is no better.
        forced = eligible.copy()
        forced[i] = False
        forced[i, b] = True
        count, value = brute_force(total, forced, capacity, "max_matched")
        assert (count, round(value, 4)) <= (best_count, round(best_total, 4) + 1e-4)
        assert t.better_full == (load[b] >= capacity[b])
        if not t.better_full:
            continue
        k = t.displaced
        assert mentor_of[k] == b
        assert t.displaced_alternatives == n_eligible[k] - 1
        proposed_to_b = np.flatnonzero(mentor_of == b)
        assert n_eligible[k] == n_eligible[proposed_to_b].min()
        if t.swap_change is None:
            assert not eligible[k, j]  # swapping would leave k unmatched
        else:
            assert eligible[k, j]
            change = total[i, b] + total[k, j] - total[i, j] - total[k, b]
            assert t.swap_change == pytest.approx(change, abs=1e-5)
            assert t.swap_change <= 1e-5  # the dense solution is optimal
        text = t.text("B", "K")
        assert text.startswith(f"not the best eligible mentor: B ({t.better_score:.2f})")
    return found


@settings(max_examples=120, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 6), m=st.integers(1, 3))
def test_trade_off_claims_hold_on_small_cohorts(seed, n, m):
    check_trade_offs(seed, n, m)


def test_small_cohorts_do_produce_trade_offs():
    assert sum(check_trade_offs(seed, 6, 3) for seed in range(40)) >= 5


def test_trade_off_text_names_the_displaced_mentee_and_the_swap():
    from matching import TradeOff

    lone = TradeOff(1, 0.93, True, 4, 0, 2, None)
    assert lone.text("Jo Adams", "Lee Brown") == (
        "not the best eligible mentor: Jo Adams (0.93) is proposed to Lee Brown, who has "
        "no other eligible mentor; swapping them would leave Lee Brown unmatched"
    )
    swap = TradeOff(1, 0.93, True, 4, 1, 3, -0.124)
    assert swap.text("Jo Adams", "Lee Brown") == (
        "not the best eligible mentor: Jo Adams (0.93) is proposed to Lee Brown, who has "
        "1 other eligible mentor (this mentee has 3); swapping them would lower the total "
        "score by 0.12"
    )
