"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser).

With JOINEDUP_REQUIRE_BROWSER=1 (the test script sets it) a missing Chromium fails the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from joinedup.db.tenancy import Scope
from joinedup.demo.seed import seed_demo_users, seed_trafford
from tests.live_server import serve

CHROMIUM = os.environ.get("JOINEDUP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives a browser belongs to the slow lane."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("JOINEDUP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y chromium`")
        pytest.skip("Chromium not installed (set JOINEDUP_REQUIRE_BROWSER=1 to make this a failure)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def demo_server(app, session_factory) -> Iterator[tuple[str, list[Any]]]:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        session.info["scope"] = Scope.system("e2e seed")
        seed_trafford(session)
        logins = seed_demo_users(session)
        session.commit()
    with serve(app) as base:
        yield base, logins
