"""The API documentation pages work offline: every asset they load is the app's own."""

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

STATIC = Path(__file__).resolve().parents[2] / "service"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_documentation_loads_only_local_assets(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert len(assets) >= 2
    for asset in assets:
        assert asset.startswith("/docs/assets/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 100


def test_swagger_ui_asks_no_outside_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_the_oauth2_redirect_page_is_still_served(client: TestClient) -> None:
    assert client.get("/docs/oauth2-redirect").status_code == 200


@pytest.mark.parametrize(
    "folder",
    [
        "api/static/swagger-ui",
        "api/static/redoc",
        "console/static/govuk-frontend",
        "console/static/htmx",
    ],
)
def test_vendored_packages_keep_their_licence_and_record_their_version(folder: str) -> None:
    manifest = json.loads((STATIC / folder / "vendor.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["integrity"].startswith("sha512-")
    files = {path.name for path in (STATIC / folder).iterdir()}
    assert set(manifest["files"]) | {"vendor.json"} == files
    licences = {"LICENSE"} & files or {"README.md"} & files
    assert licences, f"{folder} keeps no licence"
    text = "".join((STATIC / folder / name).read_text() for name in licences)
    assert any(name in text for name in ("MIT", "Apache", "BSD"))
