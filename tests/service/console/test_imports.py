"""Importing a register in the console: preview (a dry run), then all or nothing."""

import base64
import re

import pytest
from fastapi.testclient import TestClient

from tests.service.console.conftest import (
    ConsoleClient,
    error_messages,
    plain,
    summary_errors,
    title_of,
)

HEADER = "name,email,organisation,kind,home_region,sectors,skills,capacity,meeting_mode"
ADA = "Ada Byron,ada@example.org,Analytical Mutual,peer,london,housing,tupe;pricing,2,remote"
BEN = "Ben Okri,ben@example.org,Riverside CIC,specialist,wales,housing,pensions,1,either"


def upload(console: ConsoleClient, register: str, text: str, name: str = "people.csv") -> object:
    return console.client.post(
        "/console/import",
        data={"csrf_token": console.csrf_token, "register": register},
        files={"file": (name, text.encode(), "text/csv")},
    )


def hidden_content(html: str) -> str:
    found = re.search(r'name="content" value="([^"]*)"', html)
    assert found
    return found.group(1)


def test_the_registers_link_to_import_and_export(console: ConsoleClient) -> None:
    for plural in ("mentors", "mentees"):
        page = console.get(f"/console/{plural}").text
        assert 'href="/console/import"' in page
        assert f'href="/console/{plural}.csv"' in page


@pytest.mark.parametrize("plural", ["mentors", "mentees"])
def test_an_export_is_the_apis(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str], plural: str
) -> None:
    upload(console, "mentors", f"{HEADER}\n{ADA}\n")
    download = console.get(f"/console/{plural}.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert f'filename="{plural}.csv"' in download.headers["content-disposition"]
    assert download.content == client.get(f"/{plural}/export", headers=coordinator).content


def test_the_upload_form(console: ConsoleClient) -> None:
    page = console.get("/console/import")
    assert title_of(page.text) == "Import mentors or mentees – mentormatch"
    assert 'enctype="multipart/form-data"' in page.text
    assert "<code>years_experience</code>" in page.text


def test_a_preview_changes_nothing_then_the_import_does(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    preview = upload(console, "mentors", f"{HEADER}\n{ADA}\n{BEN}\n")
    assert preview.status_code == 200, preview.text
    assert title_of(preview.text) == "Check the mentors before importing – mentormatch"
    assert "Create 2 mentors Update 0 mentors Leave unchanged 0 mentors" in plain(preview.text)
    assert client.get("/mentors", headers=coordinator).json()["count"] == 0
    content = hidden_content(preview.text)
    assert base64.b64decode(content).decode() == f"{HEADER}\n{ADA}\n{BEN}\n"

    done = console.post("/console/import", {"register": "mentors", "content": content})
    assert done.status_code == 303
    assert done.headers["location"] == "/console/mentors"
    page = console.get("/console/mentors").text
    assert "Imported the mentors: 2 created, 0 updated, 0 unchanged" in page
    listed = client.get("/mentors", headers=coordinator).json()["data"]
    assert [(m["name"], m["skills"]) for m in listed] == [
        ("Ada Byron", ["tupe", "pricing"]),
        ("Ben Okri", ["pensions"]),
    ]


def test_a_file_with_errors_lists_each_row_and_imports_nothing(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    bad = ADA.replace("london", "atlantis")
    preview = upload(
        console, "mentors", f"{HEADER}\n{bad}\n{BEN.replace('1,either', '99,either')}\n"
    )
    assert preview.status_code == 422
    assert title_of(preview.text) == "The file cannot be imported – mentormatch"
    api = client.post(
        "/mentors/import?dry_run=true",
        files={
            "file": ("people.csv", f"{HEADER}\n{bad}\n{BEN.replace('1,either', '99,either')}\n")
        },
        headers=coordinator,
    ).json()
    body = preview.text.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = [plain(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    assert rows == [f"{error['field']} {error['message']}" for error in api["errors"]]
    assert any(row.startswith("row 2: home_region") for row in rows)
    assert any(row.startswith("row 3: capacity") for row in rows)
    assert 'name="content"' not in preview.text
    assert client.get("/mentors", headers=coordinator).json()["count"] == 0


def test_what_to_import_must_be_said(console: ConsoleClient) -> None:
    no_register = upload(console, "", f"{HEADER}\n{ADA}\n")
    assert no_register.status_code == 422
    assert summary_errors(no_register.text) == [
        "Register: choose what the file holds: mentors, mentees"
    ]
    no_file = console.post("/console/import", {"register": "mentees"})
    assert no_file.status_code == 422
    assert error_messages(no_file.text) == ["Error: choose a CSV or xlsx file to import"]
    garbled = console.post("/console/import", {"register": "mentees", "content": "%%%"})
    assert garbled.status_code == 422


def test_a_file_without_rows_is_refused_in_the_apis_words(
    console: ConsoleClient, client: TestClient, coordinator: dict[str, str]
) -> None:
    preview = upload(console, "mentors", f"{HEADER}\n")
    assert preview.status_code == 422
    api = client.post(
        "/mentors/import", files={"file": ("people.csv", f"{HEADER}\n")}, headers=coordinator
    ).json()
    assert [e["message"] for e in api["errors"]] == ["has a header but no rows"]
    assert "file has a header but no rows" in plain(preview.text)
