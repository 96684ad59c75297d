"""Suggestions: the best eligible mentors of one mentee, for a coordinator pairing by hand."""

import numpy as np
from sqlmodel import Session, col

import matching
from service.crud import profiles
from service.crud.exclusions import excluded_pairs
from service.crud.taxonomy import load_index
from service.errors import NotFound
from service.matchmaking.cohort import (
    forbidden_indices,
    load_mentees,
    load_mentors,
    vocabulary_of,
)
from service.models import (
    Mentee,
    Mentor,
    MentorStatus,
    PersonRef,
    Suggestion,
    SuggestionsPublic,
)


def ranked_mentors(
    *, session: Session, mentee_id: int, limit: int, min_score: float
) -> list[tuple[int, int, matching.Pair]]:
    """The best eligible mentors for one mentee: (mentor id, places left, scored pair)."""
    ids, mentee_organisations, mentees = load_mentees(session, [col(Mentee.id) == mentee_id])
    if not ids:
        return []
    mentor_ids, mentor_organisations, mentors, places = load_mentors(
        session, [col(Mentor.status) == MentorStatus.active]
    )
    forbidden = forbidden_indices(
        mentee_ids=ids,
        mentor_ids=mentor_ids,
        mentee_organisations=mentee_organisations,
        mentor_organisations=mentor_organisations,
        excluded=excluded_pairs(session=session),
    )
    mask = np.zeros(len(mentor_ids), dtype=bool)
    mask[forbidden[:, 1]] = True
    pairs = matching.suggest(
        mentees[0],
        mentors,
        vocabulary_of(load_index(session=session)),
        capacities=np.asarray(places, dtype=np.int64),
        forbidden=mask,
        min_score=min_score,
        limit=limit,
    )
    return [(mentor_ids[pair.mentor], places[pair.mentor], pair) for pair in pairs]


def suggestions(
    *, session: Session, mentee_id: int, limit: int, min_score: float
) -> SuggestionsPublic:
    """The top eligible mentors for one mentee, honouring capacity and exclusions."""
    mentee = session.get(Mentee, mentee_id)
    if mentee is None or mentee.id is None or mentee.erased_at is not None:
        raise NotFound(f"no mentee with id {mentee_id}")
    ranked = ranked_mentors(session=session, mentee_id=mentee_id, limit=limit, min_score=min_score)
    mentors = profiles.person_refs(session, Mentor, {mentor_id for mentor_id, _, _ in ranked})
    data = [
        Suggestion(
            mentor=mentors[mentor_id],
            places_left=places,
            score=round(pair.score, 4),
            components={name: round(float(getattr(pair, name)), 4) for name in matching.COMPONENTS},
            reason=pair.reason,
        )
        for mentor_id, places, pair in ranked
    ]
    return SuggestionsPublic(
        mentee=PersonRef(id=mentee.id, name=mentee.name, organisation=mentee.organisation),
        data=data,
        count=len(data),
    )
