"""The event stream that refreshes visibility pages carries only what the listener may see."""

from __future__ import annotations

import json
import threading

import httpx

from tests.domains.visibility.conftest import push
from tests.live_server import serve


def _listen(url: str, cookies: dict[str, str], into: list[dict[str, object]], ready: threading.Event) -> None:
    params = {"max_seconds": 3.0, "topic": "capacity.updated"}
    with httpx.stream("GET", url, cookies=cookies, params=params, timeout=10) as r:
        assert r.status_code == 200
        event = ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
                if event == "ready":
                    ready.set()
            elif line.startswith("data:") and event not in ("ready", ""):
                into.append(json.loads(line.split(":", 1)[1]))


def test_commissioner_hears_changes_in_their_place_only(app, client_as, world, keys) -> None:  # type: ignore[no-untyped-def]
    colin = client_as("colin_commissioner")
    heard: list[dict[str, object]] = []
    with serve(app) as base:
        ready = threading.Event()
        t = threading.Thread(target=_listen, args=(f"{base}/api/v1/events", dict(colin.cookies), heard, ready))
        t.start()
        assert ready.wait(10)
        push(app, keys["care_home_elsewhere"], "e-1", 2, "e-1-live")
        push(app, keys["other_care_home"], "o-1", 2, "o-1-live")
        push(app, keys["care_home_a"], "a-1", 2, "a-1-live")
        t.join(15)
    orgs = {e["organisation_id"] for e in heard}
    assert orgs == {world.org_id("care_home_a")}
