"""The OpenAPI document: FastAPI's, plus the schemas that routes reference by hand."""

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

COMPONENT_REF = "#/components/schemas/{model}"


def component_ref(model: type[BaseModel]) -> dict[str, str]:
    """A reference to ``model`` among the document's component schemas."""
    return {"$ref": COMPONENT_REF.format(model=model.__name__)}


def add_component_schemas(document: dict[str, Any], models: Iterable[type[BaseModel]]) -> None:
    """Add the request schemas of ``models``, and of the models they nest, to ``document``.

    A route that reads a raw body and validates it itself (``PATCH /me``) refers to its
    models in ``openapi_extra``; no parameter brings them into the components, so they
    are added here. Schemas already there are kept.
    """
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    models = [model for model in models if model.__name__ not in schemas]
    if not models:
        return
    _, definitions = models_json_schema(
        [(model, "validation") for model in models], ref_template=COMPONENT_REF
    )
    for name, schema in definitions.get("$defs", {}).items():
        schemas.setdefault(name, schema)
