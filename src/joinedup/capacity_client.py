"""Reference client for the joinedup capacity API: copy this one file into your rostering or
care-record software. Standard library only (Python 3.11+).

    from capacity_client import CapacityClient

    client = CapacityClient("https://joinedup.example.nhs.uk", api_key="jup_...")
    client.put_service("ASH-01", {"name": "Ashlea", "kind": "care_home", "postcode": "M41 5BU"})
    client.push([{
        "update_id": "ash-2026-11-23T09:00",        # your id: resending it is harmless
        "provider_service_id": "ASH-01",
        "as_of": "2026-11-23T09:00:00+00:00",       # when the figures were true
        "source_system": "MyRoster 4.2",
        "status": "accepting",
        "beds": [{"bed_type": "nursing", "physical": 40, "staffed": 36, "occupied": 30,
                  "reserved": 1, "vacant": 6, "accepting_admissions": 4}],
    }])

Or with OAuth2 client credentials: CapacityClient(url, client_id="...", client_secret="...").
Errors raise CapacityError carrying the RFC 9457 problem (`.problem["errors"]` names each field).
The data standard: GET /api/v1/capacity/standard/v1.schema.json and docs/capacity-standard.md.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from typing import Any

MAX_BATCH = 1000


class CapacityError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        fields = ", ".join(f"{e.get('field')}: {e.get('message')}" for e in problem.get("errors", [])[:10])
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')} {fields}".strip())
        self.status = status
        self.problem = problem


class CapacityClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        if not api_key and not (client_id and client_secret):
            raise ValueError("give an api_key, or a client_id and client_secret")
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.client_id, self.client_secret = client_id, client_secret
        self.timeout = timeout
        self._token: str | None = None
        self._token_expires = 0.0

    # Transport

    def _auth(self) -> dict[str, str]:
        if self.api_key:
            return {"X-API-Key": self.api_key}
        if self._token is None or time.monotonic() > self._token_expires - 30:
            form = urllib.parse.urlencode(
                {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}
            ).encode()
            answer = self._send(
                "POST", "/api/v1/oauth/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
            )
            self._token = answer["access_token"]
            self._token_expires = time.monotonic() + float(answer["expires_in"])
        return {"Authorization": f"Bearer {self._token}"}

    def _send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Any:
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            try:
                problem = json.loads(raw)
            except ValueError:
                problem = {"title": exc.reason, "detail": raw[:200].decode("utf-8", "replace")}
            raise CapacityError(exc.code, problem) from None
        return json.loads(raw) if "json" in kind else raw.decode("utf-8")

    def request(self, method: str, path: str, *, json_body: Any = None, text: str | None = None) -> Any:
        headers = {"Accept": "application/json", **self._auth()}
        body = None
        if json_body is not None:
            body = json.dumps(json_body, default=str).encode()
            headers["Content-Type"] = "application/json"
        elif text is not None:
            body = text.encode()
            headers["Content-Type"] = "text/csv"
        return self._send(method, path, body, headers)

    # The capacity API

    def put_service(self, provider_service_id: str, service: dict[str, Any]) -> dict[str, Any]:
        """Create or update a service by your own id for it."""
        path = "/api/v1/capacity/services/" + urllib.parse.quote(provider_service_id, safe="")
        result: dict[str, Any] = self.request("PUT", path, json_body=service)
        return result

    def push(self, updates: Iterable[dict[str, Any]], *, per_item: bool = False) -> Iterator[dict[str, Any]]:
        """Send updates in batches of up to 1,000; yields each batch's result. Safe to retry:
        updates are idempotent by update_id."""
        batch: list[dict[str, Any]] = []
        for update in updates:
            batch.append(update)
            if len(batch) == MAX_BATCH:
                yield self._push(batch, per_item)
                batch = []
        if batch:
            yield self._push(batch, per_item)

    def _push(self, batch: list[dict[str, Any]], per_item: bool) -> dict[str, Any]:
        path = "/api/v1/capacity/updates" + ("?per_item=true" if per_item else "")
        result: dict[str, Any] = self.request("POST", path, json_body={"updates": batch})
        return result

    def upload_csv(self, text: str, *, dry_run: bool = False) -> dict[str, Any]:
        """Upload rows in the CSV template's columns; dry_run reports every row error, storing nothing."""
        path = "/api/v1/capacity/updates.csv" + ("?dry_run=true" if dry_run else "")
        result: dict[str, Any] = self.request("POST", path, text=text)
        return result

    def capacity(self, provider_service_id: str, *, at: str | None = None) -> dict[str, Any]:
        path = "/api/v1/capacity/services/" + urllib.parse.quote(provider_service_id, safe="")
        if at:
            path += "?" + urllib.parse.urlencode({"at": at})
        result: dict[str, Any] = self.request("GET", path)
        return result

    def confirm_unchanged(self, provider_service_id: str) -> dict[str, Any]:
        path = "/api/v1/capacity/services/" + urllib.parse.quote(provider_service_id, safe="") + "/confirm"
        result: dict[str, Any] = self.request("POST", path)
        return result
