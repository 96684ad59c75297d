"""The application factory: ``uvicorn --factory service.main:create_app``."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from service import __version__
from service.api.docs import install_docs
from service.api.examples import add_request_examples
from service.api.openapi import TAGS, add_component_schemas, allow_anonymous, operation_id
from service.api.ratelimit import install_rate_limits
from service.api.routes import api_router, component_models
from service.config import Settings, get_settings
from service.console import install as install_console
from service.db import make_engine
from service.errors import Problem, install_error_handlers
from service.headers import SecurityHeaders
from service.limits import BodySizeLimit, ConcurrencyLimit
from service.metrics import install_metrics
from service.migrate import head_revision
from service.observability import RequestLog, configure_logging
from service.participants import install as install_participants
from service.worker import EmbeddedWorker, embedded_wanted

DESCRIPTION = """
Matching for a mentoring scheme for public service mutuals: coordinators curate
mentors and mentees and decide pairings; participants manage their own profile
through `/me` with a personal token a coordinator gives them, or on their own web pages
after signing in with a link sent to their email address.
"""


class MentormatchAPI(FastAPI):
    """FastAPI, whose OpenAPI document also says what the routes alone cannot."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            document = super().openapi()  # kept by FastAPI, and completed once here
            add_component_schemas(document, (*component_models, Problem))
            allow_anonymous(document, self.routes)
            add_request_examples(document)
        assert self.openapi_schema is not None
        return self.openapi_schema


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "engine", None) is None:
            app.state.engine = make_engine(
                settings.database_url, pool_size=settings.max_concurrent_requests
            )
            owns_engine = True
        else:
            owns_engine = False
        worker = None
        if embedded_wanted(settings):
            worker = EmbeddedWorker(app.state.engine, settings)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.close()
            if owns_engine:
                app.state.engine.dispose()
                app.state.engine = None

    app = MentormatchAPI(
        title="mentormatch",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        generate_unique_id_function=operation_id,
        lifespan=lifespan,
        # Served by install_docs, from the app's own copies of their assets.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.schema_head = head_revision()
    app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    install_rate_limits(app, settings)
    app.include_router(api_router)
    install_docs(app)
    install_console(app)
    install_participants(app)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, max_csv_bytes=settings.max_csv_bytes
    )
    app.add_middleware(
        ConcurrencyLimit,
        max_concurrent=settings.max_concurrent_requests,
        max_waiting=settings.max_waiting_requests,
        wait_seconds=settings.request_wait_seconds,
    )
    # Outside the line: a request's measured time includes its wait for a place.
    install_metrics(app, settings)
    # Every answer gets the headers, a 503 from the line too.
    app.add_middleware(SecurityHeaders)
    # Outermost, so that even a refused request is logged with its request id.
    app.add_middleware(RequestLog)
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    return app
