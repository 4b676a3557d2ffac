"""The referral state machine: which party may take which step from which state. Pure, no I/O.

sent --open--> opened --offer--> offered --accept--> accepted --complete--> completed
                                                       accepted <--reopen-- completed (a discharge undone)
  |  \\--ask--> question <--ask-- opened     |            \\--withdraw--> withdrawn (hold released)
  |            question --answer--> opened  |--expire--> expired
  any open state --decline--> declined (provider), --withdraw--> withdrawn (hospital)
"""

from __future__ import annotations

from enum import StrEnum

from joinedup.domains.discharge.schemas.referrals import REFERRAL_STATE_LABELS
from joinedup.domains.discharge.schemas.referrals import ReferralState as S


class Action(StrEnum):
    OPEN = "open"
    ASK = "ask"
    ANSWER = "answer"
    OFFER = "offer"
    DECLINE = "decline"
    ACCEPT = "accept"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    COMPLETE = "complete"
    REOPEN = "reopen"


# Who takes each step: the referred provider, the referring hospital, or the system (clock).
PARTY = {
    Action.OPEN: "provider",
    Action.ASK: "provider",
    Action.OFFER: "provider",
    Action.DECLINE: "provider",
    Action.ANSWER: "hospital",
    Action.ACCEPT: "hospital",
    Action.WITHDRAW: "hospital",
    Action.COMPLETE: "hospital",
    Action.REOPEN: "hospital",
    Action.EXPIRE: "system",
}

TRANSITIONS: dict[tuple[S, Action], S] = {
    (S.SENT, Action.OPEN): S.OPENED,
    (S.OPENED, Action.OPEN): S.OPENED,
    (S.QUESTION, Action.OPEN): S.QUESTION,
    (S.OFFERED, Action.OPEN): S.OFFERED,
    (S.ACCEPTED, Action.OPEN): S.ACCEPTED,
    (S.OPENED, Action.ASK): S.QUESTION,
    (S.QUESTION, Action.ASK): S.QUESTION,
    (S.QUESTION, Action.ANSWER): S.OPENED,
    (S.OPENED, Action.OFFER): S.OFFERED,
    (S.QUESTION, Action.OFFER): S.OFFERED,
    (S.SENT, Action.DECLINE): S.DECLINED,
    (S.OPENED, Action.DECLINE): S.DECLINED,
    (S.QUESTION, Action.DECLINE): S.DECLINED,
    (S.OFFERED, Action.ACCEPT): S.ACCEPTED,
    (S.OFFERED, Action.EXPIRE): S.EXPIRED,
    (S.ACCEPTED, Action.COMPLETE): S.COMPLETED,
    (S.COMPLETED, Action.REOPEN): S.ACCEPTED,
    **{(s, Action.WITHDRAW): S.WITHDRAWN for s in (S.SENT, S.OPENED, S.QUESTION, S.OFFERED, S.ACCEPTED)},
}

OPEN_STATES = frozenset({S.SENT, S.OPENED, S.QUESTION, S.OFFERED})
LIVE_STATES = OPEN_STATES | {S.ACCEPTED}
CLOSED_STATES = frozenset(S) - LIVE_STATES
# States in which the provider has seen the full assessment.
SEEN_STATES = frozenset(S) - {S.SENT}


class IllegalTransition(ValueError):
    def __init__(self, state: S, action: Action) -> None:
        super().__init__(
            f"this referral is marked \u201c{REFERRAL_STATE_LABELS[state]}\u201d, so it cannot be {_PAST[action]}"
        )
        self.state = state
        self.action = action


_PAST = {
    Action.OPEN: "opened",
    Action.ASK: "asked a question",
    Action.ANSWER: "answered",
    Action.OFFER: "offered",
    Action.DECLINE: "declined",
    Action.ACCEPT: "accepted",
    Action.WITHDRAW: "withdrawn",
    Action.EXPIRE: "expired",
    Action.COMPLETE: "completed",
    Action.REOPEN: "reopened",
}


def step(state: S, action: Action) -> S:
    """The state after `action`, or IllegalTransition."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise IllegalTransition(state, action) from None
