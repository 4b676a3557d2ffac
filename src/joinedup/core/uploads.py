"""CSV uploads, read once and checked the same way everywhere: as a request body (API) or as a
form's file part (pages).

The body is streamed and reading stops as soon as it passes the size limit, so an oversized
upload is refused without being held in memory; the text must be UTF-8 (a BOM is allowed, as
spreadsheet programs write one) with no NUL character, and may hold at most `max_rows` records.
Every refusal is a 422 problem naming the field and the limit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request

from joinedup.core.errors import FieldError, ProblemError, invalid

MAX_CSV_BYTES = 5 * 1024 * 1024
_CHUNK = 64 * 1024


def csv_request_body(description: str = "Rows in the template's columns") -> dict[str, Any]:
    """`openapi_extra` for a route whose body is a CSV file read with `read_csv_body`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "description": description}}},
        }
    }


def _too_long(field: str, max_bytes: int) -> ProblemError:
    mib = max_bytes / (1024 * 1024)
    size = f"{mib:g} MiB" if mib >= 1 else f"{max_bytes} bytes"
    return invalid(field, f"at most {size} per upload", "too_long")


async def _read_limited(chunks: AsyncIterator[bytes], *, max_bytes: int, field: str) -> bytes:
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        if len(buffer) > max_bytes:
            raise _too_long(field, max_bytes)
    return bytes(buffer)


def decode_csv(raw: bytes, *, max_rows: int | None = None, required: bool = False, field: str = "body") -> str:
    """The upload as text, or a 422 naming `field`: empty (when required), UTF-16 or otherwise not
    UTF-8, NUL, too many rows."""
    if required and not raw.strip():
        raise invalid(
            field, "send the CSV file as the request body" if field == "body" else "choose a CSV file", "missing"
        )
    head = raw[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") * 3 > len(head):
        # UTF-16 (a spreadsheet's "Unicode text"): every other byte NUL. Said as such, never echoed.
        raise invalid(
            field, "the file is UTF-16 text: save it as CSV UTF-8 (comma delimited) and upload it again", "encoding"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise invalid(field, "the file is not UTF-8 text", "encoding") from None
    if "\x00" in text:
        raise invalid(field, "the file contains a NUL character", "encoding")
    if max_rows is not None and count_records(text, field=field) > max_rows:
        raise invalid(field, f"at most {max_rows} rows per upload", "too_long")
    return text


def count_records(text: str, *, field: str = "body") -> int:
    """The CSV's records after the header (records, not lines: a quoted value may span lines),
    or a 422 naming `field` and the line where the text stops being CSV. An upload counted here
    (one with `max_rows`) is read by the domain's own reader (same module, same dialect) without
    a csv.Error of its own."""
    reader = csv.reader(io.StringIO(text))
    try:
        records = sum(1 for _ in reader)
    except csv.Error as exc:
        raise invalid(field, f"line {reader.line_num}: {_csv_problem(exc)}", "csv") from None
    return max(0, records - 1)


def _csv_problem(exc: csv.Error) -> str:
    said = str(exc)
    if said.startswith("new-line character seen in unquoted field"):
        return "a line break (a lone carriage return) inside a value without quotes; put the value in double quotes"
    if said.startswith("field larger than field limit"):
        return f"a value is longer than {csv.field_size_limit():,} characters"
    return f"this is not CSV ({said})"


def require_csv_media_type(request: Request) -> None:
    """A 415 problem unless the body is declared as text/csv (a JSON or form body is not a CSV
    file); document it with `json_body.UNSUPPORTED_MEDIA_TYPE`."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "text/csv":
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            "Send the CSV file as the request body with Content-Type: text/csv.",
            errors=[FieldError(field="header.Content-Type", message="must be text/csv", code="media_type")],
        )


async def read_csv_body(
    request: Request, *, max_bytes: int = MAX_CSV_BYTES, max_rows: int | None = None, required: bool = False
) -> str:
    """The request body as CSV text, checked (see the module's docstring); field "body"."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_long("body", max_bytes)
    raw = await _read_limited(request.stream(), max_bytes=max_bytes, field="body")
    return decode_csv(raw, max_rows=max_rows, required=required, field="body")


async def read_csv_upload(
    file: object,
    *,
    max_bytes: int = MAX_CSV_BYTES,
    max_rows: int | None = None,
    required: bool = False,
    field: str = "file",
) -> str:
    """A page form's file part (`form.get("file")`) as CSV text, with the same checks.

    A missing part (None, or a plain string from a form without a file) reads as empty.
    """
    read = getattr(file, "read", None)
    if read is None:
        return decode_csv(b"", max_rows=max_rows, required=required, field=field)

    async def chunks() -> AsyncIterator[bytes]:
        while chunk := await read(_CHUNK):
            yield bytes(chunk)

    raw = await _read_limited(chunks(), max_bytes=max_bytes, field=field)
    return decode_csv(raw, max_rows=max_rows, required=required, field=field)
