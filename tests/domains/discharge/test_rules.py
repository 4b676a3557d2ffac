"""Pure rules, over wide inputs: NHS numbers and the referral state machine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from joinedup.domains.discharge import nhs_number
from joinedup.domains.discharge.delay_reasons import DELAY_REASONS, FAMILIES
from joinedup.domains.discharge.engine import referral_steps as sm
from joinedup.domains.discharge.pathways import PATHWAYS, accepts_kind
from joinedup.domains.discharge.schemas import ReferralState as S

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def test_known_numbers() -> None:
    assert nhs_number.is_valid("9434765919")
    assert nhs_number.is_valid("943 476 5919")
    assert not nhs_number.is_valid("9434765918")
    assert not nhs_number.is_valid("943476591")
    assert not nhs_number.is_valid("94347659１9")  # noqa: RUF001 - a full-width digit is not a digit here
    with pytest.raises(ValueError, match="check digit"):
        nhs_number.validate("1234567890")  # remainder 10: no valid check digit exists


@given(nine_digits)
def test_a_computed_check_digit_always_validates(stem: str) -> None:
    digit = nhs_number.check_digit(stem)
    if digit is None:
        assert not any(nhs_number.is_valid(stem + str(d)) for d in range(10))
    else:
        assert nhs_number.is_valid(stem + str(digit))
        assert sum(nhs_number.is_valid(stem + str(d)) for d in range(10)) == 1


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_any_single_digit_error_is_caught(stem: str, position: int, delta: int) -> None:
    digit = nhs_number.check_digit(stem)
    if digit is None:
        return
    number = list(stem + str(digit))
    number[position] = str((int(number[position]) + delta) % 10)
    assert not nhs_number.is_valid("".join(number))


@given(st.text(max_size=20))
def test_validate_never_crashes_and_accepts_only_ten_digits(text: str) -> None:
    try:
        value = nhs_number.validate(text)
    except ValueError:
        return
    assert len(value) == 10 and value.isdigit() and nhs_number.is_valid(value)


def test_code_lists() -> None:
    assert len(DELAY_REASONS) == 37
    assert {r.family for r in DELAY_REASONS.values()} == set(FAMILIES.values())
    assert "P3b" in {p.value for p in PATHWAYS}
    assert accepts_kind("P3b", "care_home") and not accepts_kind("P3b", "homecare")
    assert not accepts_kind("P1_reablement", "care_home")


class ReferralMachine(RuleBasedStateMachine):
    """One patient, three referrals: random steps by either party; the machine's rules hold."""

    def __init__(self) -> None:
        super().__init__()
        self.states = [S.SENT, S.SENT, S.SENT]

    def _try(self, i: int, action: sm.Action) -> None:
        before = self.states[i]
        if action is sm.Action.ACCEPT and S.ACCEPTED in self.states:
            return  # the service refuses a second acceptance before the machine is asked
        try:
            after = sm.step(before, action)
        except sm.IllegalTransition:
            assert (before, action) not in sm.TRANSITIONS
            return
        # A closed referral never moves, but for the same-day undo of a discharge recorded in
        # error, which takes the completed placement back to accepted.
        reopened = (before, action) == (S.COMPLETED, sm.Action.REOPEN)
        assert before not in sm.CLOSED_STATES or reopened, "a closed referral never moves"
        self.states[i] = after
        if action is sm.Action.ACCEPT:
            for j, state in enumerate(self.states):
                if j != i and state in sm.OPEN_STATES:
                    self.states[j] = sm.step(state, sm.Action.WITHDRAW)

    @rule(i=st.integers(0, 2), action=st.sampled_from(sm.Action))
    def act(self, i: int, action: sm.Action) -> None:
        self._try(i, action)

    @precondition(lambda self: S.OFFERED in self.states)
    @rule()
    def accept_first_offer(self) -> None:
        self._try(self.states.index(S.OFFERED), sm.Action.ACCEPT)

    @invariant()
    def at_most_one_accepted_or_completed(self) -> None:
        assert sum(s in (S.ACCEPTED, S.COMPLETED) for s in self.states) <= 1

    @invariant()
    def nothing_open_beside_an_acceptance(self) -> None:
        if S.ACCEPTED in self.states or S.COMPLETED in self.states:
            assert not any(s in sm.OPEN_STATES for s in self.states)


TestReferralMachine = ReferralMachine.TestCase


def test_every_state_is_reachable_and_closed_states_are_final() -> None:
    reached = {S.SENT} | set(sm.TRANSITIONS.values())
    assert reached == set(S)
    # Closed states are final, but for a placement whose discharge is undone (recorded in error).
    assert all(before not in sm.CLOSED_STATES for before, action in sm.TRANSITIONS if action is not sm.Action.REOPEN)
    assert {k: v for k, v in sm.TRANSITIONS.items() if k[1] is sm.Action.REOPEN} == {
        (S.COMPLETED, sm.Action.REOPEN): S.ACCEPTED
    }
