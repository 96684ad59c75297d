"""Response headers that point elsewhere: where a new resource is, and the other pages of a list.

Both are relative references (a path and a query), which RFC 9110 and RFC 8288 allow:
they stay right behind a reverse proxy that changes the scheme or the host.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request, Response


class Links:
    """Set ``Location`` on a 201 answer, or a ``Link`` header on a page of a list."""

    def __init__(self, request: Request, response: Response) -> None:
        self.request = request
        self.response = response

    def created(self, route_name: str, **path_params: int | str | None) -> None:
        """``Location``: the path of the route ``route_name`` that reads the new resource."""
        url = self.request.url_for(route_name, **{k: str(v) for k, v in path_params.items()})
        self.response.headers["Location"] = url.path

    def pages(self, *, count: int, limit: int, offset: int) -> None:
        """RFC 8288 ``Link``: first, previous, next and last pages, other filters kept."""
        last = max((count - 1) // limit * limit, 0)
        targets = {"first": 0, "last": last}
        if offset > 0:
            targets["prev"] = max(min(offset - limit, last), 0)
        if offset + limit < count:
            targets["next"] = offset + limit
        links = [
            f'<{self._page(offset=target, limit=limit)}>; rel="{rel}"'
            for rel, target in sorted(targets.items(), key=lambda item: _ORDER.index(item[0]))
        ]
        self.response.headers["Link"] = ", ".join(links)

    def _page(self, *, offset: int, limit: int) -> str:
        kept = [
            (key, value)
            for key, value in self.request.query_params.multi_items()
            if key not in ("offset", "limit")
        ]
        return f"{self.request.url.path}?{urlencode([*kept, ('limit', limit), ('offset', offset)])}"


_ORDER = ("first", "prev", "next", "last")

LinksDep = Annotated[Links, Depends()]
