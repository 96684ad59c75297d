"""A coordinator signed in to the console through the test client, and what reads its pages.

``console`` is a ``ConsoleClient``: the app's test client with the session cookie
of a freshly signed-in coordinator, and the CSRF token its forms carry. Redirects
are not followed, so that tests see where each answer sends the browser.
"""

import html as html_text
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from service.models import Role
from service.security import issue_token

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token_of(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def plain(fragment: str) -> str:
    """Text without tags, entities or runs of white space."""
    text = re.sub(r"<[^>]+>", " ", fragment)
    return re.sub(r"\s+", " ", html_text.unescape(text)).strip()


def error_messages(html: str) -> list[str]:
    """The messages shown beside fields, as a reader hears them."""
    found = re.findall(r'class="govuk-error-message">(.*?)</p>', html, re.S)
    return [plain(text) for text in found]


def summary_errors(html: str) -> list[str]:
    """The entries of the error summary at the top of the page."""
    body = html.split('class="govuk-list govuk-error-summary__list"', 1)
    if len(body) < 2:
        return []
    listed = body[1].split("</ul>", 1)[0]
    return [plain(text) for text in re.findall(r">([^<>]+)</a>", listed)]


def title_of(html: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", html, re.S)
    assert match
    return plain(match.group(1))


@dataclass
class ConsoleClient:
    client: TestClient
    csrf_token: str
    token_id: int

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        """Post a form as the console's own pages do: with this session's CSRF token."""
        return self.client.post(
            path, data={"csrf_token": self.csrf_token, **(data or {})}, **kwargs
        )


def sign_in(client: TestClient, secret: str) -> httpx.Response:
    return client.post("/console/sign-in", data={"token": secret}, follow_redirects=False)


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """The app's test client, not following redirects, as a browser with no session yet."""
    client.follow_redirects = False
    yield client
    client.cookies.clear()


@pytest.fixture
def coordinator_token(session: Session) -> tuple[int, str]:
    token, secret = issue_token(session=session, role=Role.coordinator, name="Console tester")
    session.commit()
    assert token.id is not None
    return token.id, secret


@pytest.fixture
def console(browser: TestClient, coordinator_token: tuple[int, str]) -> ConsoleClient:
    token_id, secret = coordinator_token
    assert sign_in(browser, secret).status_code == 303
    page = browser.get("/console")
    assert page.status_code == 200
    return ConsoleClient(client=browser, csrf_token=csrf_token_of(page.text), token_id=token_id)
