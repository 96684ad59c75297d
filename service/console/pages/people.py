"""Mentors and mentees: a filtered register a page at a time, a profile per person,
a change of status, and erasure after a confirmation step.

Both registers work alike, so one ``Register`` describes each and ``router()``
builds its routes. Filtering and paging are the API's own ``list_page`` queries
(in SQL); a status change is the API's update, erasure the API's erasure.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from sqlmodel import Session

from service.api.deps import ResourceId, SessionDep
from service.console.auth import PostedFormDep, SignedInDep
from service.console.forms import FormErrors, parse, undo_on_error
from service.console.pagination import PageNumber, Pages
from service.console.render import page, redirect
from service.console.sessions import SignedIn
from service.crud import mentees, mentors
from service.crud.privacy import erase_mentee, erase_mentor
from service.crud.taxonomy import TaxonomyIndex, load_index
from service.errors import DomainError, FieldError, InvalidInput
from service.models import (
    MeetingMode,
    MenteeStatus,
    MenteeUpdate,
    MentorStatus,
    MentorUpdate,
    Vocabulary,
)
from service.security import replace_participant_token

FilterText = Annotated[str, Query(max_length=100)]
# The filters a register offers, in the order of its form: (name, vocabulary or None).
FILTERS = (
    ("sector", Vocabulary.sector),
    ("skill", Vocabulary.skill),
    ("region", Vocabulary.region),
)
MEETING_MODES = {
    MeetingMode.in_person: "In person",
    MeetingMode.remote: "Remote",
    MeetingMode.either: "In person or remote",
}
PRIORITIES = {1: "nice to have", 2: "important", 3: "essential"}


@dataclass(frozen=True)
class Register:
    """One kind of participant as the console shows them."""

    kind: str
    plural: str
    status_type: type[StrEnum]
    statuses: Mapping[str, str]
    # The filter the skill filter applies to, as the list reads it.
    skill_filter: str
    list_page: Callable[..., tuple[list[Any], int]]
    get: Callable[[Session, int], Any]
    to_public: Callable[[Any], Any]
    update_model: type[BaseModel]
    update: Callable[[Session, Any, Any], Any]
    erase: Callable[[Session, Any], None]
    new_token: Callable[[Session, int], str]

    @property
    def home(self) -> str:
        return f"/console/{self.plural}"

    @property
    def title(self) -> str:
        return self.plural.capitalize()


MENTORS = Register(
    kind="mentor",
    plural="mentors",
    status_type=MentorStatus,
    statuses={
        MentorStatus.pending.value: "Pending approval",
        MentorStatus.active.value: "Active",
        MentorStatus.paused.value: "Paused",
        MentorStatus.withdrawn.value: "Withdrawn",
    },
    skill_filter="Skill offered",
    list_page=mentors.list_page,
    get=lambda session, id_: mentors.get(session=session, mentor_id=id_),
    to_public=mentors.to_public,
    update_model=MentorUpdate,
    update=lambda session, row, data: mentors.update(session=session, mentor=row, data=data),
    erase=lambda session, row: erase_mentor(session=session, mentor=row),
    new_token=lambda session, id_: replace_participant_token(session=session, mentor_id=id_),
)
MENTEES = Register(
    kind="mentee",
    plural="mentees",
    status_type=MenteeStatus,
    statuses={
        MenteeStatus.pending.value: "Pending approval",
        MenteeStatus.waiting.value: "Waiting",
        MenteeStatus.paired.value: "Paired",
        MenteeStatus.withdrawn.value: "Withdrawn",
    },
    skill_filter="Skill needed",
    list_page=mentees.list_page,
    get=lambda session, id_: mentees.get(session=session, mentee_id=id_),
    to_public=mentees.to_public,
    update_model=MenteeUpdate,
    update=lambda session, row, data: mentees.update(session=session, mentee=row, data=data),
    erase=lambda session, row: erase_mentee(session=session, mentee=row),
    new_token=lambda session, id_: replace_participant_token(session=session, mentee_id=id_),
)


def term_labels(index: TaxonomyIndex) -> Callable[[str, str], str]:
    """``label(vocabulary, code)``: a code as coordinators read it, marked when retired."""

    def label(vocabulary: str, code: str) -> str:
        term = index.terms.get(Vocabulary(vocabulary), {}).get(code)
        if term is None:
            return code
        return f"{term.label} (retired)" if term.retired else term.label

    return label


def filter_choices(
    index: TaxonomyIndex, vocabulary: Vocabulary, chosen: str
) -> list[dict[str, Any]]:
    """``govukSelect`` items: any, then each term in use (a retired one only once chosen)."""
    items: list[dict[str, Any]] = [{"value": "", "text": "Any"}]
    for code, term in index.terms.get(vocabulary, {}).items():
        if not term.retired or code == chosen:
            items.append({"value": code, "text": term.label, "selected": code == chosen})
    return items


def _filters(register: Register, values: Mapping[str, str]) -> tuple[dict[str, str], FormErrors]:
    """The filters given (blank ones mean "any"), and the error of an unknown status."""
    given = {name: value.strip() for name, value in values.items() if value.strip()}
    status = given.get("status")
    if status is not None and status not in register.statuses:
        valid = ", ".join(register.statuses)
        message = f"unknown {register.kind} status '{status}'; valid: {valid}"
        return given, FormErrors((FieldError(field="status", message=message),))
    return given, FormErrors()


def router(register: Register) -> APIRouter:
    """The register's pages: the list, each profile, its status form, its erasure."""
    routes = APIRouter(prefix=f"/{register.plural}")

    @routes.get("", response_class=HTMLResponse)
    def list_page(
        request: Request,
        session: SessionDep,
        signed_in: SignedInDep,
        number: PageNumber = 1,
        sector: FilterText = "",
        skill: FilterText = "",
        region: FilterText = "",
        status: FilterText = "",
        q: FilterText = "",
    ) -> HTMLResponse:
        """The register, filtered, a page at a time, in registration order."""
        raw = {"sector": sector, "skill": skill, "region": region, "status": status, "q": q}
        given, errors = _filters(register, raw)
        pages = Pages(number=number, path=register.home, query=tuple(given.items()))
        rows: list[Any] = []
        count = 0
        if not errors:
            criteria: dict[str, Any] = dict(given)
            if "status" in criteria:
                criteria["status"] = register.status_type(criteria["status"])
            rows, count = register.list_page(
                session=session, limit=pages.size, offset=pages.offset, **criteria
            )
        index = load_index(session=session)
        title = register.title if number == 1 else f"{register.title} (page {number})"
        return page(
            request,
            f"{register.plural}.html",
            signed_in=signed_in,
            page_title=title,
            nav=register.plural,
            register=register,
            people=rows,
            pages=replace(pages, count=count),
            filters={name: given.get(name, "") for name in raw},
            filtered=bool(given),
            choices={
                name: filter_choices(index, vocabulary, given.get(name, ""))
                for name, vocabulary in FILTERS
            },
            label=term_labels(index),
            errors=errors,
            error_labels={"status": "Status"},
            status_code=422 if errors else 200,
        )

    def profile(
        request: Request,
        session: Session,
        signed_in: SignedIn,
        row: Any,
        *,
        errors: FormErrors | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        person = register.to_public(row)
        return page(
            request,
            f"{register.kind}.html",
            signed_in=signed_in,
            page_title=person.name,
            nav=register.plural,
            register=register,
            person=person,
            label=term_labels(load_index(session=session)),
            meeting_modes=MEETING_MODES,
            priorities=PRIORITIES,
            errors=errors or FormErrors(),
            error_labels={"status": "Status"},
            status_code=status_code,
        )

    @routes.get("/{person_id}", response_class=HTMLResponse)
    def profile_page(
        request: Request, person_id: ResourceId, session: SessionDep, signed_in: SignedInDep
    ) -> HTMLResponse:
        """One person's profile, with their status to change and a way to erase them."""
        return profile(request, session, signed_in, register.get(session, person_id))

    @routes.post("/{person_id}/status", response_class=HTMLResponse)
    def change_status(
        request: Request, person_id: ResourceId, session: SessionDep, form: PostedFormDep
    ) -> Response:
        """Change the person's status, as the API's update does."""
        row = register.get(session, person_id)
        try:
            with undo_on_error(session):
                data = parse(register.update_model, {"status": form.get("status") or None})
                if getattr(data, "status", None) is None:
                    message = "choose a status: " + ", ".join(register.statuses)
                    raise InvalidInput.for_fields([FieldError(field="status", message=message)])
                register.update(session, row, data)
        except DomainError as exc:
            session.refresh(row)
            return profile(
                request,
                session,
                form.signed_in,
                row,
                errors=FormErrors.of(exc, field="status"),
                status_code=exc.status_code,
            )
        return redirect(
            f"{register.home}/{person_id}",
            request=request,
            signed_in=form.signed_in,
            flash=f"{row.name} is now {register.statuses[row.status].lower()}",
        )

    @routes.post("/{person_id}/token", response_class=HTMLResponse)
    def new_token(
        request: Request, person_id: ResourceId, session: SessionDep, form: PostedFormDep
    ) -> HTMLResponse:
        """A new personal token, shown this once; the person's older tokens stop working."""
        person = register.to_public(register.get(session, person_id))
        # Shown in the answer itself, never in a redirect's flash: it is a secret.
        return page(
            request,
            "person_token.html",
            signed_in=form.signed_in,
            page_title=f"New personal token for {person.name}",
            nav=register.plural,
            register=register,
            person=person,
            token=register.new_token(session, person_id),
        )

    @routes.get("/{person_id}/erase", response_class=HTMLResponse)
    def erase_page(
        request: Request, person_id: ResourceId, session: SessionDep, signed_in: SignedInDep
    ) -> HTMLResponse:
        """Check before erasing a person."""
        person = register.to_public(register.get(session, person_id))
        return page(
            request,
            "person_erase.html",
            signed_in=signed_in,
            page_title=f"Erase {person.name}?",
            nav=register.plural,
            register=register,
            person=person,
        )

    @routes.post("/{person_id}/erase", response_class=HTMLResponse)
    def erase(
        request: Request, person_id: ResourceId, session: SessionDep, form: PostedFormDep
    ) -> Response:
        """Erase the person: what identifies them goes; their active pairings end early."""
        row = register.get(session, person_id)
        name = row.name
        register.erase(session, row)
        return redirect(
            register.home,
            request=request,
            signed_in=form.signed_in,
            flash=f"Erased {name}: their {register.kind} profile no longer identifies them",
        )

    return routes
