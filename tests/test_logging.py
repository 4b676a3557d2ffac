"""Nothing personal in logs: events name records by id, and personal keys are redacted."""

from __future__ import annotations

from joinedup.logs import REDACTED, configure_logging, get_logger, redact_personal_data
from tests.personas import PASSWORD


def test_personal_keys_are_redacted() -> None:
    event = redact_personal_data(
        None, "info", {"event": "x", "email": "a@b.c", "NHS_Number": "9434765919", "user_id": "u1"}
    )
    assert event == {"event": "x", "email": REDACTED, "NHS_Number": REDACTED, "user_id": "u1"}


def test_sign_in_and_user_admin_write_no_personal_data_to_logs(anon, client_as, world, capsys) -> None:
    configure_logging(level="DEBUG", json=True)
    get_logger("probe").info("probe", email="leak@example.test")
    anon.post("/login", data={"email": "pam_provider@example.test", "password": PASSWORD, "csrf_token": "x"})
    client_as("alice_admin").get(f"/api/v1/users/{world.users['pam_provider'].id}")
    client_as("alice_admin").post("/api/v1/users", json={"email": "broken"})
    err = capsys.readouterr().err
    assert "probe" in err
    for secret in ("leak@example.test", "pam_provider@example.test", PASSWORD, "Pam Provider"):
        assert secret not in err
