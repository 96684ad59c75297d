"""Reading, extending and retiring the taxonomy, and checking codes against it."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.crud import audit
from service.errors import Conflict, FieldError, InvalidInput, NotFound
from service.models import (
    GROUP_VOCABULARY,
    Mentee,
    MenteeTerm,
    Mentor,
    MentorTerm,
    TaxonomyPublic,
    TaxonomyTerm,
    TermCreate,
    TermPublic,
    TermUpdate,
    Vocabulary,
)

# Single-valued profile columns that hold a code, by vocabulary.
_CODE_COLUMNS: dict[Vocabulary, list[tuple[type[Mentor] | type[Mentee], str]]] = {
    Vocabulary.sector: [(Mentee, "primary_sector")],
    Vocabulary.region: [(Mentee, "region"), (Mentor, "home_region")],
    Vocabulary.legal_form: [(Mentee, "legal_form")],
    Vocabulary.stage: [(Mentee, "stage")],
    Vocabulary.mentor_kind: [(Mentor, "kind")],
}


@dataclass(frozen=True)
class TaxonomyIndex:
    """Every term by vocabulary and code, loaded once per request."""

    terms: Mapping[Vocabulary, Mapping[str, TaxonomyTerm]]

    def active_codes(self, vocabulary: Vocabulary) -> list[str]:
        return [code for code, term in self.terms.get(vocabulary, {}).items() if not term.retired]

    def check(
        self,
        *,
        vocabulary: Vocabulary,
        field: str,
        codes: str | Sequence[str],
        already_held: Iterable[str] = (),
    ) -> list[FieldError]:
        """Errors for codes that are unknown, or retired and not already on the profile.

        A single code is reported under ``field``, a list's under ``field[i]``.
        """
        terms = self.terms.get(vocabulary, {})
        kept = set(already_held)
        errors = []
        listed = [codes] if isinstance(codes, str) else list(codes)
        for position, code in enumerate(listed):
            term = terms.get(code)
            if term is not None and (not term.retired or code in kept):
                continue
            reason = "unknown" if term is None else "retired"
            valid = ", ".join(self.active_codes(vocabulary))
            errors.append(
                FieldError(
                    field=field if isinstance(codes, str) else f"{field}[{position}]",
                    message=f"{reason} {vocabulary.value} code '{code}'; valid codes: {valid}",
                )
            )
        return errors


def load_index(*, session: Session) -> TaxonomyIndex:
    terms: dict[Vocabulary, dict[str, TaxonomyTerm]] = {vocabulary: {} for vocabulary in Vocabulary}
    rows = session.exec(
        select(TaxonomyTerm).order_by(col(TaxonomyTerm.position), col(TaxonomyTerm.id))
    )
    for term in rows:
        terms.setdefault(Vocabulary(term.vocabulary), {})[term.code] = term
    return TaxonomyIndex(terms=terms)


def _public(term: TaxonomyTerm) -> TermPublic:
    return TermPublic(code=term.code, label=term.label, group=term.group_code, retired=term.retired)


def read(*, session: Session) -> TaxonomyPublic:
    index = load_index(session=session)

    def terms(vocabulary: Vocabulary) -> list[TermPublic]:
        return [_public(term) for term in index.terms[vocabulary].values()]

    return TaxonomyPublic(
        sector_groups=terms(Vocabulary.sector_group),
        sectors=terms(Vocabulary.sector),
        skill_groups=terms(Vocabulary.skill_group),
        skills=terms(Vocabulary.skill),
        regions=terms(Vocabulary.region),
        legal_forms=terms(Vocabulary.legal_form),
        stages=terms(Vocabulary.stage),
        mentor_kinds=terms(Vocabulary.mentor_kind),
    )


def get(*, session: Session, vocabulary: Vocabulary, code: str) -> TaxonomyTerm:
    term = session.exec(
        select(TaxonomyTerm).where(
            TaxonomyTerm.vocabulary == vocabulary.value, TaxonomyTerm.code == code
        )
    ).first()
    if term is None:
        raise NotFound(f"no {vocabulary.value} term with code '{code}'")
    return term


def read_term(*, session: Session, vocabulary: Vocabulary, code: str) -> TermPublic:
    """One term as the API shows it."""
    return _public(get(session=session, vocabulary=vocabulary, code=code))


def create(*, session: Session, vocabulary: Vocabulary, data: TermCreate) -> TermPublic:
    group_vocabulary = GROUP_VOCABULARY.get(vocabulary)
    if group_vocabulary is None and data.group is not None:
        raise InvalidInput.for_fields(
            [FieldError(field="group", message=f"{vocabulary.value} terms have no group")]
        )
    if group_vocabulary is not None:
        index = load_index(session=session)
        if data.group is None:
            valid = ", ".join(index.active_codes(group_vocabulary))
            message = f"a {vocabulary.value} needs a {group_vocabulary.value}; valid codes: {valid}"
            raise InvalidInput.for_fields([FieldError(field="group", message=message)])
        errors = index.check(vocabulary=group_vocabulary, field="group", codes=data.group)
        if errors:
            raise InvalidInput.for_fields(errors)
    exists = session.exec(
        select(TaxonomyTerm.id).where(
            TaxonomyTerm.vocabulary == vocabulary.value, TaxonomyTerm.code == data.code
        )
    ).first()
    if exists is not None:
        raise Conflict(f"{vocabulary.value} code '{data.code}' already exists")
    last_position = session.exec(
        select(func.max(TaxonomyTerm.position)).where(TaxonomyTerm.vocabulary == vocabulary.value)
    ).one()
    term = TaxonomyTerm(
        vocabulary=vocabulary.value,
        code=data.code,
        label=data.label,
        group_code=data.group,
        position=(last_position or 0) + 1,
    )
    session.add(term)
    session.flush()
    _record(session, "taxonomy.term_created", term)
    return _public(term)


def _record(session: Session, action: str, term: TaxonomyTerm, **details: object) -> None:
    audit.record(
        session,
        action=action,
        subject_type="taxonomy_term",
        subject_id=term.id,
        details={"vocabulary": term.vocabulary, "code": term.code, **details},
    )


def update(*, session: Session, vocabulary: Vocabulary, code: str, data: TermUpdate) -> TermPublic:
    term = get(session=session, vocabulary=vocabulary, code=code)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    term.sqlmodel_update(changes)
    session.add(term)
    session.flush()
    _record(session, "taxonomy.term_updated", term, fields=sorted(changes))
    return _public(term)


def count_uses(*, session: Session, vocabulary: Vocabulary, code: str) -> int:
    """How many profiles (or grouped terms) refer to this term."""
    uses = 0
    for link in (MentorTerm, MenteeTerm):
        uses += session.exec(
            select(func.count())
            .select_from(link)
            .where(link.vocabulary == vocabulary.value, link.code == code)
        ).one()
    for table, column in _CODE_COLUMNS.get(vocabulary, []):
        uses += session.exec(
            select(func.count()).select_from(table).where(col(getattr(table, column)) == code)
        ).one()
    grouped = [v for v, group in GROUP_VOCABULARY.items() if group is vocabulary]
    for member_vocabulary in grouped:
        uses += session.exec(
            select(func.count())
            .select_from(TaxonomyTerm)
            .where(
                TaxonomyTerm.vocabulary == member_vocabulary.value,
                TaxonomyTerm.group_code == code,
            )
        ).one()
    return uses


def delete(*, session: Session, vocabulary: Vocabulary, code: str) -> None:
    term = get(session=session, vocabulary=vocabulary, code=code)
    uses = count_uses(session=session, vocabulary=vocabulary, code=code)
    if uses:
        raise Conflict(
            f"{vocabulary.value} '{code}' is in use ({uses} references); "
            "retire it instead so that new profiles cannot choose it"
        )
    _record(session, "taxonomy.term_deleted", term)
    session.delete(term)
    session.flush()
