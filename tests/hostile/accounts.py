"""Signing in and out, as hostile-input cases."""

from __future__ import annotations

from tests.hostile.harness import FormCase, Stage, Target
from tests.personas import PASSWORD


def _sign_in(stage: Stage) -> Target:
    return Target("/login", lambda: {"email": "pam_provider@example.test", "password": PASSWORD})


def _sign_out(stage: Stage) -> Target:
    return Target("/logout", dict)


ACCOUNT_FORMS = [
    # A refused sign-in is 401, and 429 once the account is locked for a while.
    FormCase(
        "sign in",
        None,
        _sign_in,
        "/login",
        refused=frozenset({400, 401, 403, 413, 415, 422, 429}),
        summary_on=frozenset({401, 422, 429}),
    ),
    FormCase("sign out", "pam_provider", _sign_out),
]
