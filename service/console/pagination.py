"""Long lists a page at a time: the SQL offset of a page, and ``govukPagination``'s options."""

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query

PAGE_SIZE = 50
MAX_PAGE = 100_000

PageNumber = Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE, description="Page, from 1.")]


@dataclass(frozen=True)
class Pages:
    """Page ``number`` of a list of ``count`` rows, ``size`` to a page, found at ``path``.

    ``query`` holds the list's filters, kept in the address of every other page.
    The offset is known before the count: query the page with ``offset``, then
    ``dataclasses.replace`` the count in.
    """

    number: int
    path: str
    count: int = 0
    size: int = PAGE_SIZE
    query: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return max(1, -(-self.count // self.size))

    @property
    def first_row(self) -> int:
        return min(self.offset + 1, self.count)

    @property
    def last_row(self) -> int:
        return min(self.offset + self.size, self.count)

    def url(self, number: int) -> str:
        pairs = [*self.query, *([("page", str(number))] if number > 1 else [])]
        return f"{self.path}?{urlencode(pairs)}" if pairs else self.path

    def pagination(self) -> dict[str, Any] | None:
        """The options of ``govukPagination``, or None when everything fits on one page."""
        if self.last == 1:
            return None
        shown = sorted({1, self.number - 1, self.number, self.number + 1, self.last})
        items: list[dict[str, Any]] = []
        previous = 0
        for number in (n for n in shown if 1 <= n <= self.last):
            if previous and number - previous > 1:
                items.append({"ellipsis": True})
            items.append(
                {"number": number, "href": self.url(number), "current": number == self.number}
            )
            previous = number
        options: dict[str, Any] = {"items": items, "landmarkLabel": "Pages"}
        if self.number > 1:
            options["previous"] = {"href": self.url(self.number - 1)}
        if self.number < self.last:
            options["next"] = {"href": self.url(self.number + 1)}
        return options
