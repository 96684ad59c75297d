"""Security headers on every response, and a per-request nonce for the console's scripts.

Every response refuses framing and MIME sniffing and sends no referrer to other
sites. Console pages are never stored by browsers or proxies (they show people's
names) and run only the app's own scripts, plus inline ones carrying the
request's nonce; the documentation pages run their UI's inline set-up code and
load nothing from elsewhere, so they still work, and leak nothing, offline.
"""

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONSOLE_PREFIX = "/console"
CONSOLE_ASSETS_PREFIX = "/console/static/"
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})
# Participants' pages (service.participants) are pages like the console's.
PARTICIPANT_PREFIXES = ("/verify/", "/sign-in", "/my", "/register")

_EVERYWHERE = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
_OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'"


def console_policy(nonce: str) -> str:
    return (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def is_console_page(path: str) -> bool:
    """A console page (not one of its static assets), including the site root's redirect."""
    in_console = path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")
    if path.startswith(PARTICIPANT_PREFIXES):
        return True
    return path == "/" or (in_console and not path.startswith(CONSOLE_ASSETS_PREFIX))


class SecurityHeaders:
    """Pure ASGI middleware: sets ``scope["state"]["csp_nonce"]`` and the headers above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        path: str = scope["path"]
        headers = list(_EVERYWHERE)
        if is_console_page(path):
            headers += [
                (b"content-security-policy", console_policy(nonce).encode()),
                (b"cache-control", b"no-store"),
            ]
        elif path in DOCS_PATHS:
            headers.append((b"content-security-policy", _DOCS_POLICY.encode()))
        else:
            headers.append((b"content-security-policy", _OTHER_POLICY.encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in headers if name not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
