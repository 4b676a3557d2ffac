"""Reading a posted page form: its size limited before it is parsed, its bytes read as a browser
sends them, its CSRF token checked.

A browser sends a form as `application/x-www-form-urlencoded` ASCII, every other byte
percent-encoded as UTF-8. Bytes sent unencoded are read as UTF-8 too (not as Latin-1, which
would store mojibake); bytes that are not UTF-8 become the replacement character, which the
form refuses at its field. A form without a file input refuses `multipart/form-data`, whose
undecodable text the parser would otherwise pass on as Latin-1.
"""

from __future__ import annotations

import re

from fastapi import Request
from starlette.exceptions import HTTPException

from joinedup.core.errors import ProblemError
from joinedup.web.render import check_csrf

# A posted form larger than this is refused before it is parsed (a field of 1 MB still fits,
# and comes back as a field error rather than a refusal of the whole form).
MAX_FORM_BYTES = 4 * 1024 * 1024
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_NOT_ASCII = re.compile(rb"[\x80-\xff]")


async def read_form(
    request: Request, *, max_bytes: int = MAX_FORM_BYTES, files: bool = False
) -> dict[str, str | list[str]]:
    """A posted form (every field as a string, or a list where a name came more than once),
    its CSRF token checked. Uploaded files are left out; a body over `max_bytes` is refused, and
    so is a multipart body unless the form takes `files`."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == MULTIPART and not files:
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Form not readable",
            "This form is sent as ordinary form data, not as a file upload; nothing was saved.",
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(max_bytes)
    raw = bytes(body)
    if media == URLENCODED:
        raw = _NOT_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], raw)
    request._body = raw  # the form parser reads the body kept here
    try:
        form = await request.form()
    except HTTPException:  # a multipart body its parser cannot read (no boundary, another encoding)
        raise ProblemError(
            400, "bad-request", "Form not readable", "The form could not be read, so nothing was saved."
        ) from None
    data: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    flat: dict[str, str | list[str]] = {k: v[0] if len(v) == 1 else v for k, v in data.items()}
    token = flat.pop("csrf_token", None)
    check_csrf(request, token if isinstance(token, str) else None)
    return flat


def _too_large(max_bytes: int) -> ProblemError:
    return ProblemError(
        413,
        "too-large",
        "Form too large",
        f"The form sent was larger than {max_bytes // (1024 * 1024)} MB, so nothing was saved. "
        "Go back and shorten what you typed.",
    )
