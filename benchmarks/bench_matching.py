"""Benchmark of `matching.match` on seeded synthetic cohorts shaped like the programme.

Each size runs in a fresh subprocess (so peak RSS is that run's own), repeated and
reported as the median. Run from the repository root:

    .venv/bin/python -m benchmarks.bench_matching --sizes 100x40,1000x400 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np

from matching import MatchParameters, MenteeProfile, MentorProfile, Vocabulary, match

DEFAULT_SIZES = "100x40,1000x400,10000x4000,20000x8000,50000x20000"
N_SECTORS, N_SECTOR_GROUPS = 40, 8
N_SKILLS, N_SKILL_GROUPS = 60, 10
REGIONS = tuple(f"region{r}" for r in range(12))
FORMS = ("cic", "coop", "charity", "mutual", "company")
STAGES = ("exploring", "spinning_out", "spun_out", "established")


def vocabulary() -> Vocabulary:
    return Vocabulary(
        sectors={f"sector{s}": f"sgroup{s % N_SECTOR_GROUPS}" for s in range(N_SECTORS)},
        skills={f"skill{k}": f"kgroup{k % N_SKILL_GROUPS}" for k in range(N_SKILLS)},
        regions=REGIONS,
        legal_forms=FORMS,
    )


def zipf(size: int, exponent: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, size + 1) ** exponent
    return p / p.sum()


def cohort(
    n: int, m: int, seed: int = 0
) -> tuple[list[MenteeProfile], list[MentorProfile], np.ndarray]:
    """Mentees, mentors (capacity 1-5, mean 3) and 0-3 forbidden pairs per mentee."""
    rng = np.random.default_rng(seed)
    sector_p, skill_p, region_p = zipf(N_SECTORS), zipf(N_SKILLS), zipf(len(REGIONS), 0.5)
    modes = np.array(["in_person", "remote", "either"])
    mode_p = [0.25, 0.35, 0.4]

    def pick(pool_size: int, p: np.ndarray, k: int, prefix: str) -> list[str]:
        return [f"{prefix}{x}" for x in rng.choice(pool_size, size=k, replace=False, p=p)]

    mentees = []
    for _ in range(n):
        needs = pick(N_SKILLS, skill_p, int(rng.integers(1, 9)), "skill")
        mentees.append(
            MenteeProfile(
                primary_sector=pick(N_SECTORS, sector_p, 1, "sector")[0],
                needs=tuple((s, int(rng.integers(1, 4))) for s in needs),
                region=REGIONS[rng.choice(len(REGIONS), p=region_p)],
                meeting_mode=str(rng.choice(modes, p=mode_p)),
                legal_form=FORMS[rng.integers(len(FORMS))],
                stage=STAGES[rng.integers(len(STAGES))],
                waited=int(rng.integers(0, 3)),
            )
        )
    mentors = []
    for _ in range(m):
        regions = rng.choice(len(REGIONS), size=int(rng.integers(1, 4)), replace=False, p=region_p)
        mentors.append(
            MentorProfile(
                sectors=tuple(pick(N_SECTORS, sector_p, int(rng.integers(1, 5)), "sector")),
                skills=tuple(pick(N_SKILLS, skill_p, int(rng.integers(2, 9)), "skill")),
                legal_forms=tuple(FORMS[f] for f in rng.choice(5, int(rng.integers(1, 4)), False)),
                led_spin_out=bool(rng.random() < 0.4),
                years_experience=int(rng.integers(0, 30)),
                home_region=REGIONS[regions[0]],
                regions_served=tuple(REGIONS[r] for r in regions[1:]),
                meeting_mode=str(rng.choice(modes, p=mode_p)),
                capacity=int(rng.integers(1, 6)),
            )
        )
    per = rng.integers(0, 4, size=n)
    forbidden = np.column_stack([np.repeat(np.arange(n), per), rng.integers(0, m, per.sum())])
    return mentees, mentors, forbidden


def naive_pair(a: MenteeProfile, b: MentorProfile, vocab: Vocabulary) -> float:
    """The per-pair Python loop the vectorised scorer replaces."""
    if a.primary_sector in b.sectors:
        sector = 1.0
    elif vocab.sectors[a.primary_sector] in {vocab.sectors[s] for s in b.sectors}:
        sector = 0.5
    else:
        sector = 0.0
    groups = {vocab.skills[s] for s in b.skills}
    covered = sum(
        p * (1.0 if s in b.skills else 0.5 if vocab.skills[s] in groups else 0.0)
        for s, p in a.needs
    )
    skills = covered / sum(p for _, p in a.needs)
    shared = a.region == b.home_region or a.region in b.regions_served
    remote = a.meeting_mode != "in_person" and b.meeting_mode != "in_person"
    region = 1.0 if shared else 0.5 if remote else 0.0
    young = a.stage != "established"
    other = (0.5 if b.led_spin_out else 0.0) if young else 0.05 * min(b.years_experience, 10)
    experience = (0.5 if a.legal_form in b.legal_forms else 0.0) + other
    return 0.64 * skills + 0.08 * sector + 0.2 * region + 0.08 * experience


def naive_seconds_per_pair(
    mentees: list[MenteeProfile], mentors: list[MentorProfile], vocab: Vocabulary
) -> float:
    rng = np.random.default_rng(1)
    sample = 20_000
    ii, jj = rng.integers(0, len(mentees), sample), rng.integers(0, len(mentors), sample)
    start = time.perf_counter()
    for i, j in zip(ii.tolist(), jj.tolist(), strict=True):
        naive_pair(mentees[i], mentors[j], vocab)
    return (time.perf_counter() - start) / sample


def run_once(n: int, m: int, solver: str, top_k: int) -> dict[str, Any]:
    """One measured run; called in a child process."""
    vocab = vocabulary()
    mentees, mentors, forbidden = cohort(n, m)
    params = MatchParameters(solver=solver, top_k=top_k, waiting_bonus=0.05)
    start = time.perf_counter()
    result = match(mentees, mentors, vocab, forbidden=forbidden, parameters=params)
    wall = time.perf_counter() - start
    t = result.timings
    report = result.report
    unmatched_codes: dict[str, int] = {}
    for u in result.unmatched:
        unmatched_codes[u.code] = unmatched_codes.get(u.code, 0) + 1
    return {
        "score": t["encode"] + t["score"],
        "solve": t["solve"],
        "wall": wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "matched": report.matched,
        "total": report.total_score,
        "gain": report.gain_over_greedy,
        "blocking": report.blocking_pairs,
        "solver": result.solver,
        "unmatched": unmatched_codes,
        "naive_s": naive_seconds_per_pair(mentees, mentors, vocab) * n * m,
    }


def child(size: str, solver: str, top_k: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bench_matching", "--child", size]
    cmd += ["--solver", solver, "--top-k", str(top_k)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="e.g. 1000x400,10000x4000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--solver", default="auto")
    parser.add_argument("--top-k", type=int, default=50)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        n, m = (int(x) for x in args.child.split("x"))
        print(json.dumps(run_once(n, m, args.solver, args.top_k)))
        return
    header = (
        f"{'size':>12} {'solver':>7} {'score s':>8} {'solve s':>8} {'total s':>8} "
        f"{'wall s':>7} {'peak MB':>8} {'matched':>8} {'total score':>12} {'vs greedy':>10} "
        f"{'blocking':>8} {'naive s':>9} {'speed-up':>8}"
    )
    print(header)
    for size in args.sizes.split(","):
        runs = [child(size, args.solver, args.top_k) for _ in range(args.repeats)]

        def med(key: str, runs: list[dict[str, Any]] = runs) -> float:
            return float(statistics.median(r[key] for r in runs))

        total = med("score") + med("solve")
        print(
            f"{size:>12} {runs[0]['solver']:>7} {med('score'):8.3f} {med('solve'):8.3f} "
            f"{total:8.3f} {med('wall'):7.2f} {med('peak_mb'):8.0f} {runs[0]['matched']:8d} "
            f"{runs[0]['total']:12.2f} {runs[0]['gain']:+10.2f} {runs[0]['blocking']:8d} "
            f"{med('naive_s'):9.1f} {med('naive_s') / total:7.0f}x",
            flush=True,
        )
        print(f"{'':>12} unmatched by reason: {runs[0]['unmatched']}", flush=True)


if __name__ == "__main__":
    main()
