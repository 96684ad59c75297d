"""Match runs: one solve of the assignment over the waiting cohort, and what it proposed."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from annotated_types import Interval
from pydantic import ConfigDict
from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from service.models.base import UTCDateTime, utcnow
from service.models.common import StrictBool, StrictFloat, StrictInt

# Ids are 32-bit integers on every engine: a larger one would fail in the database.
RowId = Annotated[StrictInt, Interval(ge=1, le=2**31 - 1)]


class Objective(StrEnum):
    max_matched = "max_matched"
    max_score = "max_score"


class Solver(StrEnum):
    auto = "auto"
    dense = "dense"
    sparse = "sparse"
    flow = "flow"


class ProposalStatus(StrEnum):
    proposed = "proposed"
    accepted = "accepted"
    rejected = "rejected"


def _fk(table: str, *, ondelete: str = "CASCADE", nullable: bool = False) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey(f"{table}.id", ondelete=ondelete), index=True, nullable=nullable
        ),
    )


class MatchRun(SQLModel, table=True):
    __tablename__ = "match_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    triggered_by: str = Field(default="", max_length=100)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    solver: str = Field(max_length=16)
    mentees_considered: int
    mentors_considered: int
    matched_count: int
    unmatched_count: int
    total_score: float
    mean_score: float
    greedy_matched_count: int
    greedy_total_score: float
    duration_ms: float
    # A final run counts as waited for by the mentees it leaves out, even undecided.
    final: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    mentees_with_waiting_bonus: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, default=0)
    )


class Proposal(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    match_run_id: int | None = _fk("match_run")
    mentee_id: int | None = _fk("mentee")
    mentor_id: int | None = _fk("mentor")
    score: float = Field(sa_column=Column(Float, nullable=False))
    components: dict[str, float] = Field(default_factory=dict, sa_type=JSON)
    reason: str = Field(max_length=1000)
    runner_up_mentor_id: int | None = _fk("mentor", ondelete="SET NULL", nullable=True)
    runner_up_score: float | None = Field(default=None, sa_column=Column(Float, nullable=True))
    status: ProposalStatus = Field(default=ProposalStatus.proposed, sa_type=String(16))
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str = Field(default="", max_length=500)
    waiting_bonus: float = Field(default=0.0, sa_column=Column(Float, nullable=False, default=0.0))


class UnmatchedMentee(SQLModel, table=True):
    __tablename__ = "unmatched_mentee"

    id: int | None = Field(default=None, primary_key=True)
    match_run_id: int | None = _fk("match_run")
    mentee_id: int | None = _fk("mentee")
    reason_code: str = Field(max_length=32)
    reason: str = Field(max_length=500)
    waiting_bonus: float = Field(default=0.0, sa_column=Column(Float, nullable=False, default=0.0))


class Weights(SQLModel):
    """Relative weights of the score components; needs come first by default."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    skills: StrictFloat = Field(default=0.64, ge=0, le=10)
    sector: StrictFloat = Field(default=0.08, ge=0, le=10)
    region: StrictFloat = Field(default=0.2, ge=0, le=10)
    experience: StrictFloat = Field(default=0.08, ge=0, le=10)


class SectorRule(StrEnum):
    none = "none"
    group = "group"
    same = "same"


class RunRules(SQLModel):
    """Criteria this run makes hard rules: a pair breaking one is never proposed."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    any_need: StrictBool = Field(
        default=True,
        description="The mentor covers at least one need, by the skill or a skill of its group.",
    )
    sector: SectorRule = Field(
        default=SectorRule.none,
        description="same: the mentor knows the mentee's primary sector; group: its group.",
    )
    min_needs: StrictInt = Field(
        default=0,
        ge=0,
        le=8,
        description="The mentor offers at least this many of the needs (all, if fewer).",
    )
    top_need: StrictBool = Field(
        default=False, description="The mentor offers a top-priority need."
    )
    region_served: StrictBool = Field(
        default=False, description="The mentor serves the mentee's region, even remotely."
    )
    legal_form: StrictBool = Field(
        default=False, description="The mentor has experience of the mentee's legal form."
    )
    peer_for_spin_out: StrictBool = Field(
        default=False, description="Mentees spinning out get peer mentors only."
    )


class CohortFilter(SQLModel):
    """Which waiting mentees and active mentors a run considers; empty means all."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    sectors: list[str] = Field(default_factory=list, max_length=50)
    regions: list[str] = Field(default_factory=list, max_length=20)
    mentee_ids: list[RowId] = Field(default_factory=list, max_length=100_000)
    mentor_ids: list[RowId] = Field(default_factory=list, max_length=100_000)


class MatchRunCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    weights: Weights = Field(default_factory=Weights)
    rules: RunRules = Field(default_factory=RunRules)
    min_score: StrictFloat = Field(
        default=0.2, ge=0, le=1, description="Pairs below are never proposed."
    )
    objective: Objective = Field(
        default=Objective.max_matched,
        description="max_matched: most mentees matched, then highest total score; "
        "max_score: highest total score.",
    )
    balance: StrictFloat = Field(
        default=0.0, ge=0, le=1, description="Penalty per extra mentee of one mentor."
    )
    waiting_bonus: StrictFloat = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Priority per earlier run a mentee waited: a run whose proposals were "
        "decided (one accepted or rejected is enough), or a run marked final.",
    )
    final: StrictBool = Field(
        default=False,
        description="Count this run as waited for by the mentees it leaves out, "
        "even before any of its proposals is decided (trial runs do not count).",
    )
    solver: Solver = Solver.auto
    cohort: CohortFilter = Field(default_factory=CohortFilter)


class MatchRunPublic(SQLModel):
    id: int
    created_at: datetime
    triggered_by: str
    parameters: dict[str, Any]
    solver: str
    mentees_considered: int
    mentors_considered: int
    matched_count: int
    unmatched_count: int
    total_score: float
    mean_score: float
    greedy_matched_count: int
    greedy_total_score: float
    extra_matched_over_greedy: int
    score_gain_over_greedy: float
    duration_ms: float
    final: bool
    mentees_with_waiting_bonus: int = Field(
        description="Mentees whose pairs got the waiting bonus in this run; each proposal "
        "and unmatched mentee carries its own bonus."
    )


class MatchRunsPublic(SQLModel):
    data: list[MatchRunPublic]
    count: int


class PersonRef(SQLModel):
    id: int
    name: str
    organisation: str


class ProposalPublic(SQLModel):
    id: int
    match_run_id: int
    mentee: PersonRef
    mentor: PersonRef
    score: float
    components: dict[str, float]
    reason: str
    runner_up: PersonRef | None
    runner_up_score: float | None
    status: ProposalStatus
    decided_at: datetime | None
    decision_note: str
    waiting_bonus: float


class ProposalsPublic(SQLModel):
    data: list[ProposalPublic]
    count: int


class UnmatchedPublic(SQLModel):
    mentee: PersonRef
    reason_code: str
    reason: str
    waiting_bonus: float


class UnmatchedListPublic(SQLModel):
    data: list[UnmatchedPublic]
    count: int


class AcceptMode(StrEnum):
    all_or_none = "all_or_none"
    possible = "possible"


class AcceptRequest(SQLModel):
    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]

    proposal_ids: list[RowId] | None = Field(
        default=None, max_length=100_000, description="Omit to accept every open proposal."
    )
    mode: AcceptMode = Field(
        default=AcceptMode.all_or_none,
        description="all_or_none: accept every proposal named, or none (409 listing each "
        "problem); possible: accept every one that can still be paired, best score first, "
        "and list the others with the reason they were skipped.",
    )


class SkippedProposal(SQLModel):
    proposal_id: int
    mentee: PersonRef | None
    mentor: PersonRef | None
    reason: str


class AcceptResult(SQLModel):
    data: list[ProposalPublic]
    count: int
    skipped: list[SkippedProposal]


class DecisionsSummary(SQLModel):
    """What a decisions file did: proposals accepted, rejected, and already so."""

    accepted: int
    rejected: int
    unchanged: int


class RejectRequest(SQLModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    reason: str = Field(min_length=1, max_length=500)


class Suggestion(SQLModel):
    mentor: PersonRef
    places_left: int
    score: float
    components: dict[str, float]
    reason: str


class SuggestionsPublic(SQLModel):
    mentee: PersonRef
    data: list[Suggestion]
    count: int
