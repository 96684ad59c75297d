"""The OpenAPI document: FastAPI's, plus what FastAPI cannot say from the routes alone.

That is: readable operation ids, tag descriptions, the schemas routes reference by
hand, and that registration takes a token or none.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.routing import BaseRoute

from service.api.deps import require_registrar

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


# Words of a tag that a route's function name repeats: ``list_mentors`` under "mentors".
_SAME_AS_TAG = {"me": {"my"}}


def operation_id(route: APIRoute) -> str:
    """A stable, readable id, ``<tag>-<verb>``: ``mentors-list``, ``match-runs-create``.

    The verb is the route function's name without the words that repeat its tag
    (``reject_proposal`` under "match runs" gives ``match-runs-reject-proposal``).
    Generated clients name their functions after it, so renaming one breaks them.
    """
    tag = str(route.tags[0]).lower().split() if route.tags else []
    repeated = set(tag) | {word.removesuffix("s") for word in tag}
    for word in tag:
        repeated |= _SAME_AS_TAG.get(word, set())
    verb = [word for word in route.name.split("_") if word not in repeated] or ["read"]
    return "-".join([*tag, *verb])


TAGS: list[dict[str, str]] = [
    {
        "name": "health",
        "description": "Whether the service is up, and ready (its database answers and has the "
        "schema this version needs): for load balancers and orchestrators.",
    },
    {
        "name": "taxonomy",
        "description": "The lists profiles choose from: sectors and skills (each in a group), "
        "regions, legal forms, stages and kinds of mentor, each term a stable code and a "
        "label. Anyone may read them; coordinators add, relabel and retire terms.",
    },
    {
        "name": "mentors",
        "description": "Experienced leaders and specialists who offer their time. Anyone may "
        "register while registration is open (confirming their email address, then approved "
        "by a coordinator); coordinators register, approve, list, read, change, import, "
        "export and erase mentors.",
    },
    {
        "name": "mentees",
        "description": "Leaders of new and emerging mutuals looking for a mentor. Anyone may "
        "register while registration is open (confirming their email address, then approved "
        "by a coordinator); coordinators manage the register and ask for the best mentors "
        "for one mentee.",
    },
    {
        "name": "me",
        "description": "A participant's own profile, pairings and conflicts, reached with the "
        "personal token from registration. Nobody else's data is ever shown here.",
    },
    {
        "name": "match runs",
        "description": "Coordinators propose pairings for the waiting mentees, review each "
        "proposal with its score and reason, then accept or reject them.",
    },
    {
        "name": "pairings",
        "description": "Mentees and mentors working together, from start to end: follow them, "
        "pair by hand, plan the end and record it as completed or ended early.",
    },
    {
        "name": "exclusions",
        "description": "Pairs never to propose: conflicts of interest, rejected proposals and "
        "ended pairings.",
    },
    {
        "name": "audit",
        "description": "Who did what and when: imports, runs, decisions, pairings, edits, "
        "status changes, erasures and tokens. Append-only, with ids, never personal data.",
    },
    {
        "name": "notifications",
        "description": "The messages the service sends (introductions, check-ins, reminders, "
        "surveys, alerts): what went out, what waits, and what failed for good and can be "
        "sent again. Never their content.",
    },
]


def allow_anonymous(document: dict[str, Any], routes: Sequence[BaseRoute]) -> None:
    """Say that operations open to anyone (registration) take a bearer token or none.

    FastAPI declares every operation with the bearer scheme as needing it; an empty
    requirement beside it tells generated clients that a token is optional there.
    """
    for route in iter_route_contexts(routes):
        original = route.original_route
        if isinstance(original, APIRoute) and _depends_on(original.dependant, require_registrar):
            for method in route.methods or ():
                operation = document["paths"][route.path_format][method.lower()]
                requirements = operation.setdefault("security", [])
                if {} not in requirements:
                    requirements.append({})


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(sub.call is call or _depends_on(sub, call) for sub in dependant.dependencies)
