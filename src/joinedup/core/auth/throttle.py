"""Login rate limiting (per client address) and lockout (per account name).

Unknown account names are throttled exactly like real ones, so a locked-out answer says
nothing about whether an account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from joinedup.config import Settings
from joinedup.core.auth.models import LoginThrottle
from joinedup.core.auth.secrets import sha256_hex
from joinedup.core.clock import utcnow


def _row(session: Session, key: str) -> LoginThrottle:
    key_hash = sha256_hex(key)
    row = session.get(LoginThrottle, key_hash)
    if row is None:
        row = LoginThrottle(key_hash=key_hash, failures=0, window_started_at=utcnow())
        session.add(row)
    return row


def account_key(email: str) -> str:
    return "account:" + email.strip().lower()


def address_key(ip: str | None) -> str:
    return "ip:" + (ip or "unknown")


def blocked(session: Session, settings: Settings, *, email: str, ip: str | None) -> bool:
    now = utcnow()
    account = session.get(LoginThrottle, sha256_hex(account_key(email)))
    if account and account.locked_until and account.locked_until > now:
        return True
    address = session.get(LoginThrottle, sha256_hex(address_key(ip)))
    window = timedelta(minutes=settings.login_window_minutes)
    return bool(address and address.window_started_at > now - window and address.failures >= settings.login_ip_limit)


@dataclass(frozen=True)
class Counted:
    """What one failure tipped over: the account's lockout began, the address reached its limit."""

    account_locked: bool
    address_blocked: bool


def record_failure(session: Session, settings: Settings, *, email: str, ip: str | None) -> Counted:
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    account = _row(session, account_key(email))
    address = _row(session, address_key(ip))
    for row in (account, address):
        if row.window_started_at <= now - window:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
    locked = account.failures >= settings.login_max_failures
    if locked:
        account.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
        account.failures, account.window_started_at = 0, now
    return Counted(account_locked=locked, address_blocked=address.failures == settings.login_ip_limit)


def record_success(session: Session, *, email: str) -> None:
    row = session.get(LoginThrottle, sha256_hex(account_key(email)))
    if row is not None:
        row.failures, row.locked_until = 0, None
