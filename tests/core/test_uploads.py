"""CSV uploads are read once, the same way everywhere: size and row limits, UTF-8, no NUL; every
refusal a 422 problem naming the field and the limit."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from joinedup.core.errors import ProblemError, install_problem_handlers
from joinedup.core.uploads import csv_request_body, decode_csv, read_csv_body, read_csv_upload

CSV = "name,count\nA,1\nB,2\n"


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/api/upload", openapi_extra=csv_request_body("rows"))
    async def upload(request: Request) -> dict[str, int]:
        text = await read_csv_body(request, max_bytes=64, max_rows=3, required=True)
        return {"chars": len(text)}

    return TestClient(app)


def _error(response: object) -> tuple[str, str, str]:
    body = response.json()  # type: ignore[attr-defined]
    (error,) = body["errors"]
    return error["field"], error["code"], error["message"]


def test_a_good_body_is_text_without_its_bom(client: TestClient) -> None:
    r = client.post("/api/upload", content=("\ufeff" + CSV).encode())
    assert r.status_code == 200 and r.json() == {"chars": len(CSV)}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"x" * 65, ("body", "too_long", "at most 64 bytes per upload")),
        (b"h\n1\n2\n3\n4\n", ("body", "too_long", "at most 3 rows per upload")),
        (b"h\n\xff\xfe\n", ("body", "encoding", "the file is not UTF-8 text")),
        (b"h\nA\x00\n", ("body", "encoding", "the file contains a NUL character")),
        (b"  \n", ("body", "missing", "send the CSV file as the request body")),
    ],
)
def test_each_refusal_names_the_field_and_the_limit(client: TestClient, body: bytes, expected: tuple[str, ...]) -> None:
    r = client.post("/api/upload", content=body)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert _error(r) == expected


def test_rows_are_records_not_lines() -> None:
    # A quoted value may hold a line break: three lines, one record.
    assert decode_csv(b'h\n"line one\nline two"\n', max_rows=1) == 'h\n"line one\nline two"\n'


def test_the_default_limit_is_five_mebibytes() -> None:
    with pytest.raises(ProblemError) as caught:
        asyncio.run(read_csv_upload(_File(b"a" * (5 * 1024 * 1024 + 1))))
    assert caught.value.errors[0].message == "at most 5 MiB per upload"


class _File:
    """A form's file part, read in chunks as Starlette's UploadFile is."""

    def __init__(self, data: bytes) -> None:
        self.data, self.reads = data, 0

    async def read(self, size: int = -1) -> bytes:
        self.reads += 1
        chunk, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return chunk


def test_a_form_file_is_read_in_chunks_and_stops_past_the_limit() -> None:
    upload = _File(b"x" * 1_000_000)
    with pytest.raises(ProblemError) as caught:
        asyncio.run(read_csv_upload(upload, max_bytes=100_000))
    assert caught.value.errors[0].field == "file" and upload.reads < 5


def test_a_missing_form_file_reads_as_empty_or_is_refused_when_required() -> None:
    assert asyncio.run(read_csv_upload(None)) == ""
    with pytest.raises(ProblemError) as caught:
        asyncio.run(read_csv_upload("", required=True))
    assert (caught.value.errors[0].field, caught.value.errors[0].code) == ("file", "missing")
