"""Why a pair may not be made: the words runs, suggestions and manual pairings share.

Exclusions reach the engine as bare (mentee, mentor) pairs; here they get back
their reason, so that a coordinator reads "rejected: met before" rather than
"excluded".
"""

from collections.abc import Iterable

from sqlmodel import Session, col, or_, select

from service.models import Exclusion, ExclusionReason

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
