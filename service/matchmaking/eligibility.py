"""Why a pair may not be made: the rules runs, suggestions and manual pairings share.

Hard conflicts (capacity, exclusions, a mentee already paired, statuses) are
never overridden; `crud.pairings` checks them. Soft ones are what a run would
not propose either: the same organisation, meeting modes and regions that rule
the pair out, and the rules in force (by default, that the mentor covers a
need). A coordinator pairing by hand may override those with a reason, which is
recorded on the pairing and in the audit log.

Exclusions reach the engine as bare (mentee, mentor) pairs; here they get back
their reason, so that a coordinator reads "rejected: met before" rather than
"excluded".
"""

from collections.abc import Iterable

from sqlmodel import Session, col, or_, select

import matching
from service.crud import audit
from service.crud import pairings as crud
from service.crud.taxonomy import load_index
from service.errors import Conflict, FieldError, InvalidInput
from service.matchmaking.cohort import (
    load_mentees,
    load_mentors,
    normalise_organisation,
    vocabulary_of,
)
from service.models import Exclusion, ExclusionReason, Mentee, Mentor, Pairing, PairingCreate

_REASONS = {
    ExclusionReason.rejected_proposal: "was rejected for this mentee",
    ExclusionReason.pairing_ended: "had a pairing with this mentee that ended",
    ExclusionReason.conflict_of_interest: "is excluded for a conflict of interest",
    ExclusionReason.declined: "is excluded: declined",
    ExclusionReason.other: "is excluded",
}
SAME_ORGANISATION = "works in the mentee's organisation"


def exclusion_texts(
    *, session: Session, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], str]:
    """What excludes each (mentee id, mentor id) pair; a pair with no exclusion row
    was excluded as the same organisation."""
    wanted = sorted(set(pairs))
    found: dict[tuple[int, int], str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.exec(
            select(Exclusion)
            .where(
                or_(
                    *(
                        (col(Exclusion.mentee_id) == mentee_id)
                        & (col(Exclusion.mentor_id) == mentor_id)
                        for mentee_id, mentor_id in chunk
                    )
                )
            )
            .order_by(col(Exclusion.id))
        ).all()
        for row in rows:
            assert row.mentee_id is not None
            assert row.mentor_id is not None
            text = _REASONS[ExclusionReason(row.reason)]
            if row.note:
                text += f" ({row.note})"
            found.setdefault((row.mentee_id, row.mentor_id), text)
    return {pair: found.get(pair, SAME_ORGANISATION) for pair in wanted}


def soft_conflicts(
    *, session: Session, mentee_id: int, mentor_id: int, rules: matching.Rules | None = None
) -> list[str]:
    """What a run would hold against this pair, capacity and exclusions aside."""
    _, mentee_organisations, mentees = load_mentees(session, [col(Mentee.id) == mentee_id])
    _, mentor_organisations, mentors, _ = load_mentors(session, [col(Mentor.id) == mentor_id])
    if not mentees or not mentors:
        return []
    found = []
    if normalise_organisation(mentee_organisations[0]) == normalise_organisation(
        mentor_organisations[0]
    ):
        found.append(f"same organisation: {mentor_organisations[0]}")
    rules = rules if rules is not None else matching.Rules()
    vocabulary = vocabulary_of(load_index(session=session))
    for name in matching.pair_conflicts(mentees[0], mentors[0], vocabulary, rules):
        if name == "meeting":
            found.append("meeting mode and region: they have no way to meet")
        else:
            found.append(f"breaks the rule: {rules.describe(name)}")
    return found


def create_pairing(*, session: Session, data: PairingCreate) -> Pairing:
    """A manual pairing under the rules of a run; soft conflicts only with an override."""
    candidate = crud.Candidate(mentee_id=data.mentee_id, mentor_id=data.mentor_id, field="body")
    hard = crud.check(session=session, candidates=[candidate])
    if hard:
        raise Conflict("this pair cannot be made; nothing was changed", errors=hard)
    conflicts = soft_conflicts(session=session, mentee_id=data.mentee_id, mentor_id=data.mentor_id)
    if conflicts and data.override_reason is None:
        raise Conflict(
            f"{len(conflicts)} conflict(s) a run would not propose this pair with; "
            "give override_reason to pair them anyway",
            errors=[FieldError(field="body", message=text) for text in conflicts],
        )
    if not conflicts and data.override_reason is not None:
        raise InvalidInput.for_fields(
            [
                FieldError(
                    field="override_reason",
                    message="nothing to override: a run could propose this pair; leave it out",
                )
            ]
        )
    pairing = crud.create(session=session, data=data)
    if conflicts and data.override_reason is not None:
        pairing.override_reason = data.override_reason
        session.add(pairing)
        session.flush()
        audit.record(
            session,
            action="pairing.override",
            subject_type="pairing",
            subject_id=pairing.id,
            details={"conflicts": conflicts, "override_reason": data.override_reason},
        )
    return pairing
