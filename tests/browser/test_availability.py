"""Without Chromium the browser tests skip and say how to enable them; under CI they fail."""

from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM_VARIABLE, chromium_executable


def test_without_chromium_the_browser_tests_skip_saying_how_to_enable_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CHROMIUM_VARIABLE, "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        chromium_executable()


def test_under_ci_a_missing_chromium_fails_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CHROMIUM_VARIABLE, "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true, but /nonexistent/chromium"):
        chromium_executable()


def test_a_chromium_that_is_there_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    binary = tmp_path / "chromium"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    monkeypatch.setenv(CHROMIUM_VARIABLE, str(binary))
    assert chromium_executable() == str(binary)
