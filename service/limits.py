"""A pure ASGI guard that refuses request bodies over a byte limit with a 413.

A declared Content-Length over the limit is refused before the body is read; a
streamed body is cut off as soon as it passes the limit, by raising an
HTTPException from ``receive`` that the app's error handler renders as usual.
"""

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Routes that read a spreadsheet file: they take the (larger) file limit.
UPLOAD_PATH_ENDINGS = ("/import", "/decisions")


class BodySizeLimit:
    """Refuse bodies over their limit: ``max_csv_bytes`` for file uploads, ``max_bytes`` else."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_csv_bytes: int) -> None:
        self.app = app
        self.max_json_bytes = max_bytes
        self.max_csv_bytes = max_csv_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"].endswith(UPLOAD_PATH_ENDINGS)
        limit = self.max_csv_bytes if upload else self.max_json_bytes
        await _Limited(self.app, limit)(scope, receive, send)


class _Limited:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, self._detail)
            return message

        await self.app(scope, limited_receive, send)

    @property
    def _detail(self) -> str:
        return f"request body is larger than {self.max_bytes} bytes"

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {
                "detail": self._detail,
                "code": "payload_too_large",
                "errors": [],
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
