from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.accounts import (
    AccountClosed,
    AccountEmailClaimed,
    AccountEmailReleased,
    AccountEmailSealed,
    AccountRegistered,
)
from events.sites import SiteAdded
from events.volunteers import VolunteerAccountLinked, VolunteerErased, VolunteerRegistered
from services.accounts.decider import ACCOUNTS, SEALING, RegisterAccount, SealEmail
from services.accounts.state import ACCOUNT
from services.commands.decider import given
from services.commands.rejections import Conflict, Invalid, NotFound
from services.volunteers.decider import EraseVolunteer
from services.volunteers.erasure import ERASURE
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, tzinfo=UTC)
VOLUNTEER = uuid4()
VOLUNTEER_REGISTERED = VolunteerRegistered(volunteer_id=VOLUNTEER, name=b"n", email=b"e")


def site_added(site_id):
    return SiteAdded(site_id=site_id, name="Dorftreff", village="Gehrde")


def register(**changes) -> RegisterAccount:
    fields = dict(
        account_id=uuid4(), email_digest="d1", password_hash="$argon2id$...", role="auditor",
        site_ids=[], volunteer_id=None, now=NOW,
    )
    return RegisterAccount(**{**fields, **changes})


def test_a_free_email_gets_its_claim_and_the_account():
    command = register()
    assert when(ACCOUNTS, command) == [
        AccountEmailClaimed(account_id=command.account_id, email_digest="d1"),
        AccountRegistered(account_id=command.account_id, email_digest="d1",
                          password_hash="$argon2id$...", role="auditor"),
    ]


def test_an_email_that_has_an_account_is_refused():
    with pytest.raises(Conflict):
        when(ACCOUNTS, register(), AccountEmailClaimed(account_id=uuid4(), email_digest="d1"))


def test_an_unknown_role_is_refused():
    with pytest.raises(Invalid) as refused:
        when(ACCOUNTS, register(role="mayor"))
    assert refused.value.field == "role"


def test_a_coordinator_needs_a_site_and_keeps_only_its_sites():
    with pytest.raises(Invalid):
        when(ACCOUNTS, register(role="coordinator"))
    site = uuid4()
    [_, account] = when(ACCOUNTS, register(role="coordinator", site_ids=[site]), site_added(site))
    assert account.site_ids == [site]


def test_a_coordinator_of_a_site_that_does_not_exist_is_refused():
    known, unknown = uuid4(), uuid4()
    with pytest.raises(Invalid) as refused:
        when(ACCOUNTS, register(role="coordinator", site_ids=[known, unknown]), site_added(known))
    assert (refused.value.field, refused.value.members["code"]) == ("site_ids", "site_not_found")
    assert str(unknown) in refused.value.message


@pytest.mark.parametrize("role", ["auditor", "volunteer", "admin"])
def test_only_a_coordinator_carries_sites(role):
    site = uuid4()
    with pytest.raises(Invalid) as refused:
        when(ACCOUNTS, register(role=role, site_ids=[site], volunteer_id=VOLUNTEER),
             site_added(site), VOLUNTEER_REGISTERED)
    assert (refused.value.field, refused.value.members["code"]) == ("site_ids",
                                                                    "not_a_coordinator")


def test_a_volunteer_account_needs_its_volunteer_and_only_a_volunteer_names_one():
    with pytest.raises(Invalid):
        when(ACCOUNTS, register(role="volunteer"))
    volunteer = register(role="volunteer", volunteer_id=VOLUNTEER)
    [_, account, _] = when(ACCOUNTS, volunteer, VOLUNTEER_REGISTERED)
    assert account.volunteer_id == VOLUNTEER
    with pytest.raises(Invalid) as refused:
        when(ACCOUNTS, register(role="auditor", volunteer_id=VOLUNTEER), VOLUNTEER_REGISTERED)
    assert (refused.value.field, refused.value.members["code"]) == ("volunteer_id",
                                                                    "not_a_volunteer")


def test_a_volunteers_account_is_linked_to_the_volunteer_in_the_same_append():
    command = register(role="volunteer", volunteer_id=VOLUNTEER)
    assert when(ACCOUNTS, command, VOLUNTEER_REGISTERED) == [
        AccountEmailClaimed(account_id=command.account_id, email_digest="d1"),
        AccountRegistered(account_id=command.account_id, email_digest="d1",
                          password_hash="$argon2id$...", role="volunteer",
                          volunteer_id=VOLUNTEER),
        VolunteerAccountLinked(volunteer_id=VOLUNTEER, account_id=command.account_id),
    ]


# --- closing: an account is closed when its volunteer is erased


def opened(command: RegisterAccount):
    """The volunteer and its account, as registering the account left them."""
    return (VOLUNTEER_REGISTERED, *when(ACCOUNTS, command, VOLUNTEER_REGISTERED))


def erase() -> EraseVolunteer:
    return EraseVolunteer(volunteer_id=VOLUNTEER, now=NOW)


def test_closing_an_account_releases_its_email_for_a_new_account():
    command = register(role="volunteer", volunteer_id=VOLUNTEER)
    history = opened(command)
    assert when(ERASURE, erase(), *history) == [
        VolunteerErased(volunteer_id=VOLUNTEER),
        AccountClosed(account_id=command.account_id, reason="volunteer erased"),
        AccountEmailReleased(account_id=command.account_id, email_digest="d1"),
    ]
    released = AccountEmailReleased(account_id=command.account_id, email_digest="d1")
    assert when(ACCOUNTS, register(), *history, released)[0].email_digest == "d1"


def test_a_closed_account_is_not_active_and_closing_it_again_changes_nothing():
    command = register(role="volunteer", volunteer_id=VOLUNTEER)
    history = opened(command)
    closed = AccountClosed(account_id=command.account_id, reason="x")
    account = ACCOUNT(command.account_id)
    assert not given(ACCOUNTS, *history, closed)[account].active
    assert given(ACCOUNTS, *history)[account].active
    assert when(ERASURE, erase(), *history, closed) == [VolunteerErased(volunteer_id=VOLUNTEER)]


def test_closing_an_unknown_account_is_refused():
    linked = VolunteerAccountLinked(volunteer_id=VOLUNTEER, account_id=uuid4())
    with pytest.raises(NotFound) as refused:
        when(ERASURE, erase(), VOLUNTEER_REGISTERED, linked)
    assert refused.value.field == "account_id"


# --- the streams each command touches


def test_registering_a_volunteers_account_touches_the_email_the_account_and_the_volunteer():
    command = register(role="volunteer", volunteer_id=VOLUNTEER)
    assert streams_touched(ACCOUNTS, command) == [
        "account-email-d1", f"account-{command.account_id}", f"volunteer-{VOLUNTEER}"
    ]


def test_registering_a_coordinators_account_reads_the_sites_it_names():
    first, second = uuid4(), uuid4()
    command = register(role="coordinator", site_ids=[first, second, first])
    assert streams_touched(ACCOUNTS, command) == [
        "account-email-d1", f"account-{command.account_id}", f"site-{first}", f"site-{second}"
    ]


@pytest.mark.parametrize("changes", [{}, {"volunteer_id": VOLUNTEER}])
def test_registering_any_other_account_touches_the_email_and_the_account(changes):
    command = register(**changes)
    assert streams_touched(ACCOUNTS, command) == [
        "account-email-d1", f"account-{command.account_id}"
    ]


# --- a coordinator's address, kept sealed to mail the weekly digest


def test_a_coordinators_address_is_sealed_at_registration_and_no_other_roles():
    site = uuid4()
    sealed = b"nonce+ciphertext"
    [_, account] = when(ACCOUNTS, register(role="coordinator", site_ids=[site], email=sealed),
                        site_added(site))
    assert account.email == sealed


def test_a_coordinator_registered_without_its_address_gets_it_sealed_once():
    site, account_id = uuid4(), uuid4()
    [_, registered] = when(ACCOUNTS, register(role="coordinator", site_ids=[site],
                                              account_id=account_id), site_added(site))
    seal = SealEmail(account_id=account_id, email=b"sealed", now=NOW)
    assert when(SEALING, seal, registered) == [
        AccountEmailSealed(account_id=account_id, email=b"sealed")]
    with pytest.raises(Conflict) as again:
        when(SEALING, seal, registered, AccountEmailSealed(account_id=account_id, email=b"s"))
    assert again.value.members["code"] == "kept"
    with pytest.raises(Conflict):  # kept since its registration
        when(SEALING, seal, AccountRegistered(
            account_id=account_id, email_digest="d1", password_hash="h", role="coordinator",
            site_ids=[site], email=b"sealed"))


def test_no_address_is_kept_for_an_auditor_nor_a_closed_account():
    account_id = uuid4()
    auditor = AccountRegistered(account_id=account_id, email_digest="d1", password_hash="h",
                                role="auditor")
    seal = SealEmail(account_id=account_id, email=b"sealed", now=NOW)
    with pytest.raises(Conflict):
        when(SEALING, seal, auditor)
    coordinator = AccountRegistered(account_id=account_id, email_digest="d1", password_hash="h",
                                    role="coordinator", site_ids=[uuid4()])
    with pytest.raises(Conflict):
        when(SEALING, seal, coordinator, AccountClosed(account_id=account_id, reason="weg"))
