"""Plain-Python inputs of the matching model: taxonomy, profiles and run parameters."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

STAGES: tuple[str, ...] = ("exploring", "spinning_out", "spun_out", "established")
"""Organisation stages; every stage but ``established`` values spin-out experience."""

MEETING_MODES: tuple[str, ...] = ("in_person", "remote", "either")
MENTOR_KINDS: tuple[str, ...] = ("peer", "specialist")
OBJECTIVES: tuple[str, ...] = ("max_matched", "max_score")
SOLVERS: tuple[str, ...] = ("auto", "dense", "sparse", "flow")
SECTOR_RULES: tuple[str, ...] = ("none", "group", "same")


@dataclass(frozen=True)
class Vocabulary:
    """The taxonomy that profile codes refer to.

    Parameters
    ----------
    sectors : Mapping[str, str]
        Sector code to the code of its group.
    skills : Mapping[str, str]
        Skill code to the code of its group.
    regions : tuple of str
        Region codes.
    legal_forms : tuple of str
        Legal-form codes.
    labels : Mapping[str, str], optional
        Human-readable label for any code (sectors, skills, their groups, regions,
        legal forms); a code without a label is shown as itself.
    """

    sectors: Mapping[str, str]
    skills: Mapping[str, str]
    regions: tuple[str, ...]
    legal_forms: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)

    def label(self, code: str) -> str:
        """Return the label of `code`, or the code itself."""
        return self.labels.get(code, code)


@dataclass(frozen=True)
class MenteeProfile:
    """A mentee: the leader of a new public service mutual.

    ``needs`` holds ``(skill_code, priority)`` pairs, priority 1 (nice to have) to
    3 (essential). ``waited`` counts earlier runs that left this mentee unmatched.
    ``other_sectors`` is carried for coordinators but not scored, so that the
    primary sector stays decisive.
    """

    primary_sector: str
    needs: tuple[tuple[str, int], ...]
    region: str
    meeting_mode: str
    legal_form: str
    stage: str
    other_sectors: tuple[str, ...] = ()
    waited: int = 0


@dataclass(frozen=True)
class MentorProfile:
    """A mentor. ``regions_served`` are served in addition to ``home_region``.

    ``capacity`` is the remaining number of mentees the mentor can take; `match`
    can override it per run. ``kind`` is carried for coordinators but not scored.
    """

    sectors: tuple[str, ...]
    skills: tuple[str, ...]
    legal_forms: tuple[str, ...]
    led_spin_out: bool
    years_experience: int
    home_region: str
    meeting_mode: str
    regions_served: tuple[str, ...] = ()
    kind: str = "peer"
    capacity: int = 1


@dataclass(frozen=True)
class Weights:
    """Relative weights of the four score components; they need not sum to one.

    The defaults put needs first: a mentor who covers a mentee's essential need
    outscores one who only shares the sector, the legal form and spin-out
    experience.
    """

    skills: float = 0.64
    sector: float = 0.08
    region: float = 0.2
    experience: float = 0.08

    def __post_init__(self) -> None:
        values = dataclasses.astuple(self)
        if not all(math.isfinite(v) and v >= 0 for v in values):
            raise ValueError("weights must be finite and non-negative")
        if sum(values) <= 0:
            raise ValueError("weights must not all be zero")


@dataclass(frozen=True)
class Rules:
    """Criteria a run makes hard rules: a pair breaking one is never proposed.

    Parameters
    ----------
    any_need : bool
        The mentor covers at least one of the mentee's needs, by the skill itself
        or by a skill of its group. On by default.
    sector : {'none', 'group', 'same'}
        ``'same'``: the mentor knows the mentee's primary sector; ``'group'``: a
        sector of its group.
    min_needs : int
        The mentor offers at least this many of the mentee's needs exactly (all
        of them for a mentee with fewer needs).
    top_need : bool
        The mentor offers one of the mentee's highest-priority needs exactly.
    region_served : bool
        The mentor serves the mentee's region, even when both meet remotely.
    legal_form : bool
        The mentor has experience of the mentee's legal form.
    peer_for_spin_out : bool
        Mentees spinning out get peer mentors only.
    """

    any_need: bool = True
    sector: str = "none"
    min_needs: int = 0
    top_need: bool = False
    region_served: bool = False
    legal_form: bool = False
    peer_for_spin_out: bool = False

    def __post_init__(self) -> None:
        if self.sector not in SECTOR_RULES:
            raise ValueError(
                f"unknown sector rule {self.sector!r}; expected 'none', 'group' or 'same'"
            )
        if not 0 <= self.min_needs <= 8:
            raise ValueError("min_needs must be between 0 and 8")

    def describe(self, name: str) -> str:
        """A rule as a coordinator names it, e.g. ``offers at least 2 needs (all, if fewer)``."""
        if name == "any_need":
            return "covers at least one need (the skill or its group)"
        if name == "sector":
            return "same sector" if self.sector == "same" else "same sector group"
        if name == "min_needs":
            noun = "need" if self.min_needs == 1 else "needs"
            return f"offers at least {self.min_needs} {noun} (all, if fewer)"
        if name == "top_need":
            return "offers the top-priority need"
        if name == "region_served":
            return "serves the mentee's region"
        if name == "legal_form":
            return "knows the mentee's legal form"
        if name == "peer_for_spin_out":
            return "a peer mentor for a mentee spinning out"
        raise ValueError(f"unknown rule {name!r}")

    def active(self) -> tuple[str, ...]:
        """Names of the rules in force, in `RULES` order."""
        return tuple(name for name in RULES if getattr(self, name) not in (False, 0, "none"))


RULES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Rules))
"""Names of the hard rules, as `Rules` fields and in unmatched reasons."""


@dataclass(frozen=True)
class MatchParameters:
    """Parameters of one matching run.

    Parameters
    ----------
    weights : Weights
        Component weights.
    rules : Rules
        Criteria made hard rules; by default only that a mentor covers a need.
    min_score : float
        Pairs scoring below this (in [0, 1]) are ineligible.
    objective : {'max_matched', 'max_score'}
        ``'max_matched'`` first maximises the number of matched mentees, then the
        total score; ``'max_score'`` maximises the total score only.
    balance : float
        Penalty per extra mentee of a mentor: its k-th extra mentee costs
        ``k * balance``, which spreads mentees over mentors. Under ``'max_score'`` a
        pair whose score does not pay for its penalty stays unmatched.
    waiting_bonus : float
        Bonus per earlier unmatched run added to a mentee's pairs when solving;
        reported scores stay the true scores.
    solver : {'auto', 'dense', 'sparse', 'flow'}
        ``'auto'`` picks dense for small cohorts, otherwise ``'flow'`` when the
        optional ``ortools`` package is installed, else ``'sparse'`` (both keep the
        top-k mentors per mentee and widen the lists when needed).
    top_k : int
        Candidate mentors kept per mentee by the sparse solvers (widened when
        needed).
    """

    weights: Weights = field(default_factory=Weights)
    rules: Rules = field(default_factory=Rules)
    min_score: float = 0.0
    objective: str = "max_matched"
    balance: float = 0.0
    waiting_bonus: float = 0.0
    solver: str = "auto"
    top_k: int = 50

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min_score) and 0.0 <= self.min_score <= 1.0):
            raise ValueError("min_score must be between 0 and 1")
        check_objective(self.objective)
        check_solver(self.solver)
        if not (math.isfinite(self.balance) and self.balance >= 0):
            raise ValueError("balance must be finite and non-negative")
        if not (math.isfinite(self.waiting_bonus) and self.waiting_bonus >= 0):
            raise ValueError("waiting_bonus must be finite and non-negative")
        if self.top_k < 1:
            raise ValueError("top_k must be at least 1")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> MatchParameters:
        """Build parameters from a flat mapping such as a JSON request body.

        Weight keys are ``weight_skills``, ``weight_sector``, ``weight_region`` and
        ``weight_experience``, rule keys ``rule_`` and a `Rules` field name
        (``rule_min_needs``); any other key must name a field of this class.

        Raises
        ------
        ValueError
            ``unknown parameter 'name'`` for a key that is neither.

        Examples
        --------
        >>> MatchParameters.from_mapping({"min_score": 0.3, "weight_region": 0.5}).weights.region
        0.5
        """
        weight_names = {f"weight_{f.name}": f.name for f in dataclasses.fields(Weights)}
        rule_names = {f"rule_{name}": name for name in RULES}
        own = {f.name for f in dataclasses.fields(cls)} - {"weights", "rules"}
        weights: dict[str, Any] = {}
        rules: dict[str, Any] = {}
        kwargs: dict[str, Any] = {}
        for key in sorted(values):
            if key in weight_names:
                weights[weight_names[key]] = values[key]
            elif key in rule_names:
                rules[rule_names[key]] = values[key]
            elif key in own:
                kwargs[key] = values[key]
            else:
                raise ValueError(f"unknown parameter {key!r}")
        return cls(weights=Weights(**weights), rules=Rules(**rules), **kwargs)


def check_objective(objective: str) -> None:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; expected 'max_matched' or 'max_score'")


def check_solver(solver: str) -> None:
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; expected 'auto', 'dense', 'sparse' or 'flow'")
