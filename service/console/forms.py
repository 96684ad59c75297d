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
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from service.api.deps import NUL
from service.errors import DomainError, FieldError, InvalidInput, validation_errors

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse(model: type[ModelT], values: Mapping[str, Any]) -> ModelT:
    """Validate posted values with an API model; a failure is the API's ``InvalidInput``."""
    try:
        return model.model_validate(dict(values))
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
