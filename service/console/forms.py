"""Form input checked by the domain's own models, and errors shaped for the GOV.UK macros.

A handler validates what was posted with the same request model the API takes
(``parse``), calls the same ``crud`` function inside ``undo_on_error``, and turns
whatever either raises into ``FormErrors``: the message beside each field and the
error summary use the API's wording, field by field.
"""

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from service.api.deps import NUL
from service.errors import DomainError, FieldError, InvalidInput, validation_errors

ModelT = TypeVar("ModelT", bound=BaseModel)


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _plain_types(annotation: Any) -> set[Any]:
    """The types an annotation admits, out of Optional, unions and Annotated."""
    if get_origin(annotation) is Annotated:
        return _plain_types(get_args(annotation)[0])
    if get_args(annotation) and get_origin(annotation) in (Union, UnionType):
        return {kind for arg in get_args(annotation) for kind in _plain_types(arg)}
    return {annotation}


def _item_types(kinds: set[Any]) -> set[Any]:
    """The types of the items of the list types among ``kinds``."""
    lists = [kind for kind in kinds if get_origin(kind) is list]
    return {item for kind in lists for item in _plain_types(get_args(kind)[0])}


def _number(text: str, kinds: set[Any]) -> Any:
    if not _NUMBER.match(text.strip()):
        return text
    if int in kinds and "." not in text:
        return int(text)
    if float in kinds:
        return float(text)
    return text


def _typed(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Form text as the numbers the model's (strict) number fields take.

    A form posts only text; the API's models refuse text where JSON has numbers.
    Nested models (a run's weights) and lists (ticked ids) are typed the same way.
    """
    typed = dict(values)
    for name, field in model.model_fields.items():
        value = typed.get(name)
        kinds = _plain_types(field.annotation)
        if isinstance(value, str):
            typed[name] = _number(value, kinds)
        elif isinstance(value, list):
            items = _item_types(kinds)
            typed[name] = [_number(v, items) if isinstance(v, str) else v for v in value]
        elif isinstance(value, Mapping):
            models = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
            if models:
                typed[name] = _typed(models[0], value)
    return typed


def parse(model: type[ModelT], values: Mapping[str, Any]) -> ModelT:
    """Validate posted values with an API model; a failure is the API's ``InvalidInput``."""
    try:
        return model.model_validate(_typed(model, values))
    except ValidationError as exc:
        raise InvalidInput.for_fields(validation_errors(exc.errors())) from exc


@contextmanager
def undo_on_error(session: Session) -> Iterator[None]:
    """Run domain calls in a savepoint: when one raises, none of their writes stay.

    A form refused by the domain is answered with its errors, a normal response
    whose request commits; without this, whatever the calls wrote before
    refusing would be committed with it.
    """
    with session.begin_nested():
        yield


def blank_to_none(values: Mapping[str, str], *names: str) -> dict[str, str | None]:
    """The values, with the named optional fields left empty read as "not given"."""
    return {
        name: None if name in names and not value.strip() else value
        for name, value in values.items()
    }


def anchor(field: str) -> str:
    """The id of a field's input: ``needs[0].skill`` becomes ``needs-0-skill``."""
    return re.sub(r"[^A-Za-z0-9_]+", "-", field).strip("-") or "main-content"


@dataclass(frozen=True)
class FormErrors:
    """The errors of one posted form, by field."""

    errors: tuple[FieldError, ...] = ()

    @classmethod
    def of(cls, error: DomainError, *, field: str) -> "FormErrors":
        """The error's field errors; an error that names no field is put beside ``field``."""
        if error.errors:
            return cls(tuple(error.errors))
        return cls((FieldError(field=field, message=error.detail),))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def _messages(self, field: str) -> list[str]:
        return [
            error.message
            for error in self.errors
            if error.field == field or error.field.startswith((f"{field}[", f"{field}."))
        ]

    def message(self, field: str) -> dict[str, str] | None:
        """The ``errorMessage`` option of a GOV.UK macro for ``field``, or None."""
        messages = self._messages(field)
        return {"text": "; ".join(messages)} if messages else None

    def summary(self, labels: Mapping[str, str] | None = None) -> list[dict[str, str]]:
        """The ``errorList`` of ``govukErrorSummary``: each error, linked to its field."""
        labels = labels or {}
        items = []
        for error in self.errors:
            name = error.field.split("[", 1)[0].split(".", 1)[0]
            label = labels.get(name, name.replace("_", " ").capitalize())
            items.append({"text": f"{label}: {error.message}", "href": f"#{anchor(name)}"})
        return items


async def listed_fields(request: Request) -> dict[str, list[str]]:
    """Every value of each field, for fields posted many times (checkboxes).

    ``PostedFormDep`` keeps one value per name and checks the CSRF token; a handler
    reading lists depends on both (the form is parsed once and cached).
    """
    form = await request.form()
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            if NUL in value:
                message = "must not contain NUL characters"
                raise InvalidInput.for_fields([FieldError(field=name, message=message)])
            values.setdefault(name, []).append(value)
    return values


ListedFieldsDep = Annotated[dict[str, list[str]], Depends(listed_fields)]
