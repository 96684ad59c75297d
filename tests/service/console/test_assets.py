"""The console's assets: served by the app, GOV.UK Frontend as its macros expect, own fonts."""

import json
import re
from importlib.metadata import version
from pathlib import Path

from fastapi.testclient import TestClient

from tests.service.console.conftest import ConsoleClient

STATIC = Path(__file__).resolve().parents[3] / "service" / "console" / "static"
# Which GOV.UK Frontend each govuk-frontend-jinja release ports (its README's table).
PORTS = {"4.1": "6.3"}


def test_the_vendored_gov_uk_frontend_is_the_one_the_macros_port() -> None:
    macros = ".".join(version("govuk-frontend-jinja").split(".")[:2])
    vendored = json.loads((STATIC / "govuk-frontend" / "vendor.json").read_text())["version"]
    assert macros in PORTS, f"govuk-frontend-jinja {macros}: check which GOV.UK Frontend it ports"
    assert vendored.startswith(PORTS[macros] + ".")


def test_no_gds_transport_font_files_are_shipped() -> None:
    fonts = [path for path in STATIC.rglob("*") if path.suffix in (".woff", ".woff2", ".ttf")]
    assert fonts == []
    own = (STATIC / "console" / "console.css").read_text()
    families = re.findall(r"font-family:([^;]*);", own)
    assert families
    assert " var(--mm-font)" in families
    assert not any("GDS Transport" in family for family in families)


def test_every_asset_a_page_names_is_served(console: ConsoleClient, client: TestClient) -> None:
    page = console.get("/console").text
    assets = set(re.findall(r'(?:src|href)="(/console/static/[^"]+)"', page))
    assert len(assets) == 5  # favicon, two stylesheets, two scripts
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        kind = response.headers["content-type"]
        assert kind.split(";")[0] in ("text/css", "text/javascript", "image/svg+xml"), asset
    # The module that starts GOV.UK Frontend imports it from beside it.
    script = client.get("/console/static/console/console.js").text
    imported = re.search(r'from "\.\./([^"]+)"', script)
    assert imported
    assert client.get(f"/console/static/{imported.group(1)}").status_code == 200
