"""The layers import downwards only: crud never reaches up to matchmaking or the engine."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(folder: Path) -> dict[str, set[str]]:
    """Every module each file of ``folder`` imports, by file."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("matching", ("service", "sqlmodel", "sqlalchemy", "fastapi")),
        ("service/crud", ("matching", "service.matchmaking", "service.api", "service.console")),
        ("service/models", ("matching", "service.crud", "service.matchmaking", "service.api")),
    ],
)
def test_layer_imports_nothing_above_it(folder: str, forbidden: tuple[str, ...]) -> None:
    offending = {
        path: sorted(
            name for name in names if any(name == f or name.startswith(f + ".") for f in forbidden)
        )
        for path, names in imported_modules(ROOT / folder).items()
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_only_matchmaking_imports_the_engine() -> None:
    importers = {
        path
        for path, names in imported_modules(ROOT / "service").items()
        if any(name == "matching" or name.startswith("matching.") for name in names)
    }
    assert importers
    assert all(path.startswith("service/matchmaking/") for path in importers), importers
