"""A mentee in the browser: register through the form, confirm the address from the mail,
sign in by the emailed link, see their profile. Mail goes to a real SMTP server (aiosmtpd)
in the test process; the server's embedded worker delivers it."""

import os
import re
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.browser.conftest import Server, Visit, _serve, _visit
from tests.service.notifications.conftest import PUBLIC_URL, Mailbox, free_port, link_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox) -> Iterator[Server]:
    """A live SQLite server that sends its mail to ``mailbox``, its worker polling often."""
    folder: Path = tmp_path_factory.mktemp("server-mail")
    settings = {
        "MENTORMATCH_MAIL_TRANSPORT": "smtp",
        "MENTORMATCH_SMTP_HOST": "127.0.0.1",
        "MENTORMATCH_SMTP_PORT": str(mailbox.port),
        "MENTORMATCH_SMTP_SECURITY": "none",
        "MENTORMATCH_PUBLIC_URL": PUBLIC_URL,
        "MENTORMATCH_WORKER_INTERVAL_SECONDS": "0.3",
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        with _serve("sqlite", f"sqlite:///{folder / 'mail.db'}", folder / "server.log") as server:
            yield server
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def participant(
    request: pytest.FixtureRequest, chromium: Any, mail_server: Server
) -> Iterator[Visit]:
    with _visit(request, chromium, mail_server) as visit:
        yield visit


def _mail(mailbox: Mailbox, to: str, subject: str) -> EmailMessage:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in mailbox.to(to):
            if message["Subject"] == subject:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no '{subject}' for {to}: {[m['Subject'] for m in mailbox.received]}")


def test_a_mentee_registers_confirms_signs_in_and_sees_their_profile(
    participant: Visit, mailbox: Mailbox
) -> None:
    page = participant.page
    participant.goto("/register", "choose")
    page.get_by_role("link", name="Register as a mentee").click()
    participant.check("mentee form")

    # Sent without consent: refused, with the message beside the box and in the summary.
    page.fill("#name", "Alex Reid")
    page.fill("#email", "alex.reid@example.org")
    page.fill("#organisation", "Riverside Home Care CIC")
    page.select_option("#legal_form", "cic_guarantee")
    page.select_option("#stage", "spinning_out")
    page.select_option("#primary_sector", "home_care")
    page.check("input[name=needs][value=governance_boards]")
    page.check("input[name=needs][value=pricing]")
    page.locator("#needs").scroll_into_view_if_needed()
    participant.photo("support pickers")
    page.select_option("#region", "north_west")
    page.check("input[name=meeting_mode][value=remote]")
    page.fill("#goals", "Set up a staff-led board.")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state("load")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "privacy notice" in page.locator("#consent-error").inner_text()
    participant.check("mentee form without consent")

    page.check("input[name=consent]")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url(re.compile(r"/register/sent$"))
    participant.check("check your email")

    confirm = link_in(
        _mail(mailbox, "alex.reid@example.org", "Confirm your email address"), "verify"
    )
    participant.goto(f"/verify/{confirm}", "confirm address")
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_load_state("load")
    assert "Your email address is confirmed" in page.locator("h1").inner_text()
    participant.check("address confirmed")

    participant.goto("/sign-in", "sign in")
    page.fill("#email", "alex.reid@example.org")
    page.get_by_role("button", name="Send me a sign-in link").click()
    page.wait_for_url(re.compile(r"/sign-in/sent$"))
    participant.check("sign-in link sent")

    token = link_in(_mail(mailbox, "alex.reid@example.org", "Your sign-in link"), "sign-in")
    participant.goto(f"/sign-in/{token}", "sign-in link")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/my$"))
    profile = page.locator("main").inner_text()
    assert "Alex Reid" in profile
    assert "Riverside Home Care CIC" in profile
    assert "Waiting for the programme team to approve" in profile
    participant.check("my profile")

    page.get_by_role("link", name="Change your profile").click()
    page.wait_for_url(re.compile(r"/my/edit$"))
    participant.check("change my profile")
    page.fill("#organisation", "Riverside Care Mutual CIC")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/my$"))
    assert "Riverside Care Mutual CIC" in page.locator("main").inner_text()

    page.get_by_role("link", name="Your pairings").click()
    page.wait_for_url(re.compile(r"/my/pairings$"))
    participant.check("my pairings")
    page.get_by_role("link", name="Availability").click()
    page.wait_for_url(re.compile(r"/my/availability$"))
    participant.check("my availability")
    participant.resize(390)
    participant.goto("/my", "my profile on a phone")
    assert participant.too_wide() == []
