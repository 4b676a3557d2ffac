"""The messages a page shows after a form's redirect ("Patient added"): a fixed set, each under
a key. The query string names a key, never the words, so a link cannot put text of its own in
an NHS-styled message box; an unknown key shows nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from fastapi.responses import RedirectResponse


class Flash:
    """The messages a page shows after a redirect, each under a fixed key: the query string
    names a key, never the words, so a link cannot put its own text on the page."""

    def __init__(self, messages: Mapping[str, str]) -> None:
        self.messages = dict(messages)

    def text(self, key: str | None) -> str | None:
        return self.messages.get(key) if key else None

    def redirect(self, url: str, key: str | None = None) -> RedirectResponse:
        if key is not None and key not in self.messages:
            raise KeyError(key)
        if key is None:
            return RedirectResponse(url, status_code=303)
        sep = "&" if "?" in url else "?"
        return RedirectResponse(f"{url}{sep}done={quote(key)}", status_code=303)

    def __contains__(self, key: object) -> bool:
        return key in self.messages

    def keys(self) -> Iterable[str]:
        return self.messages.keys()
