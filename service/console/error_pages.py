"""What a browser sees when a console request fails: a page, not the API's JSON.

Requests to ``/console`` addresses get an HTML page (or, without a session, the
sign-in page); every other address keeps the API's JSON errors, whose handlers
this wraps.
"""

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.console.auth import FormRefused, SignInRequired, sign_in_url
from service.console.render import page
from service.errors import DomainError
from service.headers import CONSOLE_PREFIX

Handler = Callable[[Request, Exception], Awaitable[Response] | Response]

TITLES = {
    400: "Sorry, the request was not understood",
    403: "Sorry, that form cannot be used",
    404: "Page not found",
    405: "Page not found",
    409: "Sorry, that clashes with a change already made",
    413: "Sorry, that was too large",
    422: "Sorry, the request was not understood",
}
NOT_FOUND = (
    "If you typed the web address, check it is correct. "
    "If you followed a link, it may be out of date."
)
FORM_REFUSED = (
    "The form was not sent from a page of mentormatch, or it is too old to use. "
    "Go back, reload the page and try again. Nothing was changed."
)


def is_console(request: Request) -> bool:
    path = request.url.path
    return path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")


def error_page(request: Request, status_code: int, message: str) -> Response:
    return page(
        request,
        "error.html",
        signed_in=None,
        page_title=TITLES.get(status_code, "Sorry, there is a problem with the service"),
        message=message,
        status_code=status_code,
    )


def _message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, DomainError):
        return exc.status_code, exc.detail[:1].upper() + exc.detail[1:] + "."
    if isinstance(exc, RequestValidationError):
        # A path parameter that cannot exist names a page that does not exist.
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return (404, NOT_FOUND) if in_path else (422, "The web address is not valid.")
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code, NOT_FOUND if exc.status_code in (404, 405) else str(exc.detail)
    return 500, "Try again later."


def _for_console(api_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if is_console(request):
            return error_page(request, *_message(exc))
        response = api_handler(request, exc)
        return await response if isinstance(response, Awaitable) else response

    return handle


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(sign_in_url(exc.next_path), status_code=303)


async def _form_refused(request: Request, _exc: Exception) -> Response:
    return error_page(request, 403, FORM_REFUSED)


def install_error_pages(app: FastAPI) -> None:
    """Render the console's errors as pages; call after the API's handlers are installed."""
    for exception in (DomainError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(exception, _for_console(app.exception_handlers[exception]))
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(FormRefused, _form_refused)
