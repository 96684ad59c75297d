"""The taxonomy: every vocabulary's terms; add, relabel, retire and reinstate a term.

The rules (groups, unique codes, what a code looks like) are the API's, applied
by the same ``crud.taxonomy`` functions. Retiring and reinstating answer htmx
with the vocabulary's refreshed section, and anyone else with a redirect.
"""

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from service.api.deps import SessionDep
from service.console.auth import PostedFormDep, SignedInDep
from service.console.forms import FormErrors, blank_to_none, parse, undo_on_error
from service.console.render import fragment, page, redirect
from service.console.sessions import SignedIn
from service.crud import taxonomy as crud
from service.crud.taxonomy import TaxonomyIndex
from service.errors import DomainError
from service.models import GROUP_VOCABULARY, TermCreate, TermUpdate, Vocabulary

router = APIRouter(prefix="/taxonomy")

HOME = "/console/taxonomy"

# (plural, singular) names of each vocabulary, as coordinators read them.
NAMES: dict[Vocabulary, tuple[str, str]] = {
    Vocabulary.sector_group: ("Sector groups", "sector group"),
    Vocabulary.sector: ("Sectors", "sector"),
    Vocabulary.skill_group: ("Skill groups", "skill group"),
    Vocabulary.skill: ("Skills", "skill"),
    Vocabulary.region: ("Regions", "region"),
    Vocabulary.legal_form: ("Legal forms", "legal form"),
    Vocabulary.stage: ("Stages", "stage"),
    Vocabulary.mentor_kind: ("Mentor kinds", "mentor kind"),
}
FIELD_LABELS = {"code": "Code", "label": "Label", "group": "Group"}


@dataclass(frozen=True)
class Section:
    """One vocabulary as the page shows it."""

    vocabulary: Vocabulary
    title: str
    singular: str
    grouped: bool
    terms: list[dict[str, object]]


def _section(index: TaxonomyIndex, vocabulary: Vocabulary) -> Section:
    group_vocabulary = GROUP_VOCABULARY.get(vocabulary)
    groups = index.terms[group_vocabulary] if group_vocabulary else {}
    group_labels = {code: group.label for code, group in groups.items()}
    terms = [
        {
            "code": term.code,
            "label": term.label,
            "group": group_labels.get(term.group_code or "", ""),
            "retired": term.retired,
        }
        for term in index.terms[vocabulary].values()
    ]
    title, singular = NAMES[vocabulary]
    return Section(vocabulary, title, singular, group_vocabulary is not None, terms)


@router.get("", response_class=HTMLResponse)
def taxonomy_page(request: Request, session: SessionDep, signed_in: SignedInDep) -> HTMLResponse:
    """Every vocabulary with its codes, labels, groups and retired terms."""
    index = crud.load_index(session=session)
    return page(
        request,
        "taxonomy.html",
        signed_in=signed_in,
        page_title="Taxonomy",
        nav="taxonomy",
        sections=[_section(index, vocabulary) for vocabulary in NAMES],
    )


def _new_term_page(
    request: Request,
    session: SessionDep,
    signed_in: SignedIn,
    vocabulary: Vocabulary,
    *,
    values: dict[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    group_vocabulary = GROUP_VOCABULARY.get(vocabulary)
    groups = []
    if group_vocabulary is not None:
        index = crud.load_index(session=session)
        groups = [
            {"value": code, "text": index.terms[group_vocabulary][code].label}
            for code in index.active_codes(group_vocabulary)
        ]
    singular = NAMES[vocabulary][1]
    return page(
        request,
        "taxonomy_new.html",
        signed_in=signed_in,
        page_title=f"Add a {singular}",
        nav="taxonomy",
        vocabulary=vocabulary,
        singular=singular,
        groups=groups,
        values=values,
        errors=errors,
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/{vocabulary}/new", response_class=HTMLResponse)
def new_term_page(
    request: Request, vocabulary: Vocabulary, session: SessionDep, signed_in: SignedInDep
) -> HTMLResponse:
    """The form to add a term (sectors and skills choose their group)."""
    return _new_term_page(request, session, signed_in, vocabulary, values={}, errors=FormErrors())


@router.post("/{vocabulary}/new", response_class=HTMLResponse)
def add_term(
    request: Request, vocabulary: Vocabulary, session: SessionDep, form: PostedFormDep
) -> Response:
    """Add a term to a vocabulary."""
    try:
        with undo_on_error(session):
            data = parse(TermCreate, blank_to_none(form.values, "group"))
            term = crud.create(session=session, vocabulary=vocabulary, data=data)
    except DomainError as exc:
        return _new_term_page(
            request,
            session,
            form.signed_in,
            vocabulary,
            values=dict(form.values),
            errors=FormErrors.of(exc, field="code"),
            status_code=exc.status_code,
        )
    singular = NAMES[vocabulary][1]
    # Back to the top of the list, where the success banner is (not to the section).
    return redirect(
        HOME,
        request=request,
        signed_in=form.signed_in,
        flash=f"Added the {singular} {term.label} ({term.code})",
    )


def _label_page(
    request: Request,
    signed_in: SignedIn,
    vocabulary: Vocabulary,
    code: str,
    *,
    label: str,
    errors: FormErrors,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "taxonomy_label.html",
        signed_in=signed_in,
        page_title="Change the label",
        nav="taxonomy",
        vocabulary=vocabulary,
        singular=NAMES[vocabulary][1],
        code=code,
        label=label,
        errors=errors,
        error_labels=FIELD_LABELS,
        status_code=status_code,
    )


@router.get("/{vocabulary}/{code}/label", response_class=HTMLResponse)
def label_page(
    request: Request,
    vocabulary: Vocabulary,
    code: str,
    session: SessionDep,
    signed_in: SignedInDep,
) -> HTMLResponse:
    """The form to relabel a term; its code stays."""
    term = crud.get(session=session, vocabulary=vocabulary, code=code)
    return _label_page(request, signed_in, vocabulary, code, label=term.label, errors=FormErrors())


@router.post("/{vocabulary}/{code}/label", response_class=HTMLResponse)
def relabel_term(
    request: Request, vocabulary: Vocabulary, code: str, session: SessionDep, form: PostedFormDep
) -> Response:
    """Give a term a new label."""
    try:
        with undo_on_error(session):
            data = parse(TermUpdate, {"label": form.get("label")})
            term = crud.update(session=session, vocabulary=vocabulary, code=code, data=data)
    except DomainError as exc:
        return _label_page(
            request,
            form.signed_in,
            vocabulary,
            code,
            label=form.get("label"),
            errors=FormErrors.of(exc, field="label"),
            status_code=exc.status_code,
        )
    return redirect(
        HOME,
        request=request,
        signed_in=form.signed_in,
        flash=f"The {NAMES[vocabulary][1]} {term.code} is now labelled {term.label}",
    )


def _set_retired(
    request: Request,
    session: SessionDep,
    form: PostedFormDep,
    vocabulary: Vocabulary,
    code: str,
    *,
    retired: bool,
) -> Response:
    term = crud.update(
        session=session, vocabulary=vocabulary, code=code, data=TermUpdate(retired=retired)
    )
    singular = NAMES[vocabulary][1]
    done = (
        f"Retired the {singular} {term.label}: profiles keep it, new ones cannot choose it"
        if retired
        else f"Reinstated the {singular} {term.label}"
    )
    if request.headers.get("hx-request") == "true":
        return fragment(
            request,
            "taxonomy_section_swap.html",
            signed_in=form.signed_in,
            vocab=_section(crud.load_index(session=session), vocabulary),
            status=done,
        )
    return redirect(HOME, request=request, signed_in=form.signed_in, flash=done)


@router.post("/{vocabulary}/{code}/retire", response_class=HTMLResponse)
def retire_term(
    request: Request, vocabulary: Vocabulary, code: str, session: SessionDep, form: PostedFormDep
) -> Response:
    """Retire a term: profiles that hold it keep it, new ones cannot choose it."""
    return _set_retired(request, session, form, vocabulary, code, retired=True)


@router.post("/{vocabulary}/{code}/reinstate", response_class=HTMLResponse)
def reinstate_term(
    request: Request, vocabulary: Vocabulary, code: str, session: SessionDep, form: PostedFormDep
) -> Response:
    """Make a retired term choosable again."""
    return _set_retired(request, session, form, vocabulary, code, retired=False)
