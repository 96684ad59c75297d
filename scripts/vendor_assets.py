"""Vendor the browser assets the app serves itself: no CDN, no JavaScript build step.

Each npm package is fetched at a pinned version with ``npm pack`` (the npm
registry, through its own client), checked against its pinned SHA-512
integrity, and only the compiled files the app serves are copied out of the
tarball, with the package's licence files. ``vendor.json`` in each destination
records what came from where. Run it from the project folder to refresh the
assets after changing a pin:

    python3 scripts/vendor_assets.py

The GOV.UK Frontend version goes with the ``govuk-frontend-jinja`` version pinned
in pyproject.toml (its README lists which GOV.UK Frontend each release ports).
Deliberately left out: the GDS Transport font files (a service not on GOV.UK
uses its own fonts; ``console.css`` sets a system font stack) and the crown,
crest and GOV.UK icons.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSOLE_STATIC = ROOT / "service" / "console" / "static"
DOCS_STATIC = ROOT / "service" / "api" / "static"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str
    destination: Path
    # Paths inside the tarball's "package/" folder, copied flat into the destination.
    files: tuple[str, ...]


PACKAGES = (
    Package(
        name="govuk-frontend",
        version="6.3.0",
        integrity="sha512-cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA==",
        destination=CONSOLE_STATIC / "govuk-frontend",
        # The package ships no licence file: its README's "Licence" section and
        # package.json's "license" field state it (MIT).
        files=(
            "dist/govuk/govuk-frontend.min.css",
            "dist/govuk/govuk-frontend.min.js",
            "README.md",
            "package.json",
        ),
    ),
    Package(
        # htmx 2 is the stable line that the htmx documentation describes.
        name="htmx.org",
        version="2.0.11",
        integrity="sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        destination=CONSOLE_STATIC / "htmx",
        files=("dist/htmx.min.js", "LICENSE"),
    ),
    Package(
        name="swagger-ui-dist",
        version="5.35.0",
        integrity="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ==",
        destination=DOCS_STATIC / "swagger-ui",
        files=(
            "swagger-ui-bundle.js",
            "swagger-ui-bundle.js.LICENSE.txt",
            "swagger-ui.css",
            "favicon-32x32.png",
            "LICENSE",
            "NOTICE",
        ),
    ),
    Package(
        # Redoc 2, as FastAPI's own documentation page uses.
        name="redoc",
        version="2.5.4",
        integrity="sha512-M6jWhG1qoBnH6TFmzJnstyCZ87HmOY/UzDm78mHiYihEdlV/YcS9ogOo1NlElnJMeLsyxHFe2yFc4sNjHTrABQ==",
        destination=DOCS_STATIC / "redoc",
        files=("bundles/redoc.standalone.js", "bundles/redoc.standalone.js.LICENSE.txt", "LICENSE"),
    ),
)


def integrity_of(tarball: Path) -> str:
    """The npm ``integrity`` string of a file: ``sha512-`` and the base64 digest."""
    digest = hashlib.sha512(tarball.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def fetch(package: Package, folder: Path) -> Path:
    """Download the package's tarball with ``npm pack``; refuse it if its hash is not pinned."""
    spec = f"{package.name}@{package.version}"
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = folder / json.loads(result.stdout)[0]["filename"]
    found = integrity_of(tarball)
    if found != package.integrity:
        raise SystemExit(f"{spec}: integrity {found} is not the pinned {package.integrity}")
    return tarball


def copy_files(package: Package, tarball: Path) -> None:
    """Replace the destination with the listed files, read straight from the tarball."""
    if package.destination.exists():
        shutil.rmtree(package.destination)
    package.destination.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as archive:
        for path in package.files:
            member = archive.extractfile(f"package/{path}")
            if member is None:
                raise SystemExit(f"{package.name}: {path} is not a file in the package")
            (package.destination / Path(path).name).write_bytes(member.read())
    manifest = {
        "package": package.name,
        "version": package.version,
        "integrity": package.integrity,
        "files": sorted(Path(path).name for path in package.files),
    }
    (package.destination / "vendor.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main() -> int:
    if shutil.which("npm") is None:
        sys.stderr.write("npm is needed to fetch the packages (apt-get install -y npm)\n")
        return 1
    with tempfile.TemporaryDirectory() as folder:
        for package in PACKAGES:
            copy_files(package, fetch(package, Path(folder)))
            sys.stdout.write(f"{package.name} {package.version} -> {package.destination}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
