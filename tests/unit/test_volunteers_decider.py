from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.shifts import VolunteerShiftClaimed
from events.volunteers import VolunteerAccountLinked, VolunteerErased, VolunteerRegistered
from services.rejections import Conflict, NotFound
from services.volunteers.decider import (
    EraseVolunteer,
    LinkAccount,
    RegisterVolunteer,
    decide,
    evolve,
    initial_state,
)

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
VOLUNTEER = uuid4()
REGISTERED = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=None)


def given(*events):
    state = initial_state
    for event in events:
        state = evolve(state, event)
    return state


def test_a_new_volunteer_is_registered_with_its_ciphertexts_only():
    command = RegisterVolunteer(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=b"p",
                                now=NOW)
    assert decide(command, given()) == [
        VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=b"p")
    ]
    with pytest.raises(Conflict):
        decide(command, given(REGISTERED))


def test_a_volunteer_gets_one_account_linked():
    account = uuid4()
    link = LinkAccount(volunteer_id=VOLUNTEER, account_id=account, now=NOW)
    assert decide(link, given(REGISTERED)) == [
        VolunteerAccountLinked(volunteer_id=VOLUNTEER, account_id=account)
    ]
    with pytest.raises(Conflict) as twice:
        decide(link, given(REGISTERED, VolunteerAccountLinked(volunteer_id=VOLUNTEER,
                                                              account_id=uuid4())))
    assert twice.value.field == "volunteer_id"


def test_an_unknown_or_erased_volunteer_gets_no_account():
    link = LinkAccount(volunteer_id=VOLUNTEER, account_id=uuid4(), now=NOW)
    with pytest.raises(NotFound):
        decide(link, given())
    with pytest.raises(Conflict):
        decide(link, given(REGISTERED, VolunteerErased(volunteer_id=VOLUNTEER)))


def test_erasing_a_volunteer_records_it_once_and_remembers_its_accounts():
    account = uuid4()
    history = [
        REGISTERED,
        VolunteerAccountLinked(volunteer_id=VOLUNTEER, account_id=account),
        # another area's event on the same stream passes through
        VolunteerShiftClaimed(volunteer_id=VOLUNTEER, shift_id=uuid4(), starts_at=NOW,
                              ends_at=NOW),
    ]
    state = given(*history)
    assert state.account_ids == (account,)
    erase = EraseVolunteer(volunteer_id=VOLUNTEER, now=NOW)
    assert decide(erase, state) == [VolunteerErased(volunteer_id=VOLUNTEER)]
    with pytest.raises(Conflict):
        decide(erase, given(*history, VolunteerErased(volunteer_id=VOLUNTEER)))
    with pytest.raises(NotFound):
        decide(erase, given())
