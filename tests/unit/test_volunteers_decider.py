from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.accounts import AccountClosed, AccountEmailReleased
from events.shifts import VolunteerShiftClaimed
from events.volunteers import VolunteerAccountLinked, VolunteerErased, VolunteerRegistered
from services.accounts.decider import ACCOUNTS, RegisterAccount
from services.commands.decider import given
from services.commands.rejections import Conflict, NotFound
from services.volunteers.decider import REGISTRATION, EraseVolunteer, RegisterVolunteer
from services.volunteers.erasure import ERASURE
from services.volunteers.state import VOLUNTEER as VOLUNTEER_STREAM
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
VOLUNTEER = uuid4()
REGISTERED = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=None)
ERASE = EraseVolunteer(volunteer_id=VOLUNTEER, now=NOW)


def account_of(volunteer_id, account_id) -> RegisterAccount:
    """A volunteer's account: registering it links it to the volunteer."""
    return RegisterAccount(account_id=account_id, email_digest=f"d-{account_id}",
                           password_hash="$argon2id$...", role="volunteer", site_ids=[],
                           volunteer_id=volunteer_id, now=NOW)


def with_account(account_id):
    """The volunteer's stream and its account's, as registering the account left them."""
    return (REGISTERED, *when(ACCOUNTS, account_of(VOLUNTEER, account_id), REGISTERED))


def test_a_new_volunteer_is_registered_with_its_ciphertexts_only():
    command = RegisterVolunteer(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=b"p",
                                now=NOW)
    assert when(REGISTRATION, command) == [
        VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=b"p")
    ]
    with pytest.raises(Conflict):
        when(REGISTRATION, command, REGISTERED)


def test_a_volunteer_gets_one_account_linked():
    account = uuid4()
    link = account_of(VOLUNTEER, account)
    assert when(ACCOUNTS, link, REGISTERED)[2:] == [
        VolunteerAccountLinked(volunteer_id=VOLUNTEER, account_id=account)
    ]
    with pytest.raises(Conflict) as twice:
        when(ACCOUNTS, link, REGISTERED, VolunteerAccountLinked(volunteer_id=VOLUNTEER,
                                                               account_id=uuid4()))
    assert twice.value.field == "volunteer_id"


def test_an_unknown_or_erased_volunteer_gets_no_account():
    link = account_of(VOLUNTEER, uuid4())
    with pytest.raises(NotFound):
        when(ACCOUNTS, link)
    with pytest.raises(Conflict):
        when(ACCOUNTS, link, REGISTERED, VolunteerErased(volunteer_id=VOLUNTEER))


def test_erasing_a_volunteer_records_it_once_and_remembers_its_accounts():
    account = uuid4()
    history = [
        *with_account(account),
        # another area's event on the same stream passes through
        VolunteerShiftClaimed(volunteer_id=VOLUNTEER, shift_id=uuid4(), starts_at=NOW,
                              ends_at=NOW),
    ]
    assert given(ERASURE, *history)[VOLUNTEER_STREAM(VOLUNTEER)].account_ids == (account,)
    assert when(ERASURE, ERASE, *history) == [
        VolunteerErased(volunteer_id=VOLUNTEER),
        AccountClosed(account_id=account, reason="volunteer erased"),
        AccountEmailReleased(account_id=account, email_digest=f"d-{account}"),
    ]
    with pytest.raises(Conflict):
        when(ERASURE, ERASE, *history, VolunteerErased(volunteer_id=VOLUNTEER))
    with pytest.raises(NotFound):
        when(ERASURE, ERASE)


def test_a_volunteer_without_an_account_is_erased_alone():
    assert when(ERASURE, ERASE, REGISTERED) == [VolunteerErased(volunteer_id=VOLUNTEER)]


# --- the streams each command touches


def test_registering_a_volunteer_touches_its_stream_only():
    command = RegisterVolunteer(volunteer_id=VOLUNTEER, name=b"n", email=b"e", phone=None,
                                now=NOW)
    assert streams_touched(REGISTRATION, command) == [f"volunteer-{VOLUNTEER}"]


def test_erasing_touches_the_volunteer_its_accounts_and_the_emails_of_the_open_ones():
    account = uuid4()
    assert streams_touched(ERASURE, ERASE, REGISTERED) == [f"volunteer-{VOLUNTEER}"]
    assert streams_touched(ERASURE, ERASE, *with_account(account)) == [
        f"volunteer-{VOLUNTEER}", f"account-{account}", f"account-email-d-{account}"
    ]
    closed = (AccountClosed(account_id=account, reason="x"),
              AccountEmailReleased(account_id=account, email_digest=f"d-{account}"))
    assert streams_touched(ERASURE, ERASE, *with_account(account), *closed) == [
        f"volunteer-{VOLUNTEER}", f"account-{account}"
    ]
