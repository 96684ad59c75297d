"""Shapes shared by the CSV import and export routes."""

from typing import Annotated

from fastapi import Body, Response
from pydantic import BaseModel

CsvBody = Annotated[
    bytes,
    Body(
        media_type="text/csv",
        description="UTF-8 CSV, header first; lists separated by ';'.",
    ),
]


class Imported(BaseModel):
    created: int
    ids: list[int]


class AccessToken(BaseModel):
    token: str


def csv_response(text: str, filename: str) -> Response:
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
