from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.accounts import (
    AccountClosed,
    AccountEmailClaimed,
    AccountEmailReleased,
    AccountRegistered,
)
from services.accounts.decider import (
    CloseAccount,
    RegisterAccount,
    decide,
    decide_close,
    evolve,
    evolve_account,
    initial_account,
    initial_state,
)
from services.rejections import Conflict, Invalid, NotFound

pytestmark = pytest.mark.unit


def given(*events):
    state = initial_state
    for event in events:
        state = evolve(state, event)
    return state


def register(**changes) -> RegisterAccount:
    fields = dict(
        account_id=uuid4(), email_digest="d1", password_hash="$argon2id$...", role="auditor",
        site_ids=[], volunteer_id=None, now=datetime(2026, 3, 2, tzinfo=UTC),
    )
    return RegisterAccount(**{**fields, **changes})


def test_a_free_email_gets_its_claim_and_the_account():
    command = register()
    assert decide(command, given()) == [
        AccountEmailClaimed(account_id=command.account_id, email_digest="d1"),
        AccountRegistered(account_id=command.account_id, email_digest="d1",
                          password_hash="$argon2id$...", role="auditor"),
    ]


def test_an_email_that_has_an_account_is_refused():
    with pytest.raises(Conflict):
        decide(register(), given(AccountEmailClaimed(account_id=uuid4(), email_digest="d1")))


def test_an_unknown_role_is_refused():
    with pytest.raises(Invalid) as refused:
        decide(register(role="mayor"), given())
    assert refused.value.field == "role"


def test_a_coordinator_needs_a_site_and_keeps_only_its_sites():
    with pytest.raises(Invalid):
        decide(register(role="coordinator"), given())
    site = uuid4()
    [_, account] = decide(register(role="coordinator", site_ids=[site]), given(), {site})
    assert account.site_ids == [site]


def test_a_coordinator_of_a_site_that_does_not_exist_is_refused():
    known, unknown = uuid4(), uuid4()
    with pytest.raises(Invalid) as refused:
        decide(register(role="coordinator", site_ids=[known, unknown]), given(), {known})
    assert (refused.value.field, refused.value.members["code"]) == ("site_ids", "site_not_found")
    assert str(unknown) in refused.value.message


@pytest.mark.parametrize("role", ["auditor", "volunteer", "admin"])
def test_only_a_coordinator_carries_sites(role):
    site = uuid4()
    with pytest.raises(Invalid) as refused:
        decide(register(role=role, site_ids=[site], volunteer_id=uuid4()), given(), {site})
    assert (refused.value.field, refused.value.members["code"]) == ("site_ids",
                                                                    "not_a_coordinator")


def test_a_volunteer_account_needs_its_volunteer_and_only_a_volunteer_names_one():
    with pytest.raises(Invalid):
        decide(register(role="volunteer"), given())
    volunteer = uuid4()
    [_, account] = decide(register(role="volunteer", volunteer_id=volunteer), given())
    assert account.volunteer_id == volunteer
    with pytest.raises(Invalid) as refused:
        decide(register(role="auditor", volunteer_id=volunteer), given())
    assert (refused.value.field, refused.value.members["code"]) == ("volunteer_id",
                                                                    "not_a_volunteer")


def given_account(*events):
    state = initial_account
    for event in events:
        state = evolve_account(state, event)
    return state


def close(account_id):
    return CloseAccount(account_id=account_id, reason="volunteer erased",
                        now=datetime(2026, 3, 2, tzinfo=UTC))


def test_closing_an_account_releases_its_email_for_a_new_account():
    command = register()
    claimed, registered = decide(command, given())
    assert decide_close(close(command.account_id), given_account(registered)) == [
        AccountClosed(account_id=command.account_id, reason="volunteer erased"),
        AccountEmailReleased(account_id=command.account_id, email_digest="d1"),
    ]
    released = AccountEmailReleased(account_id=command.account_id, email_digest="d1")
    assert decide(register(), given(claimed, released))[0].email_digest == "d1"


def test_a_closed_account_is_not_active_and_closing_it_again_changes_nothing():
    command = register()
    _, registered = decide(command, given())
    closed = given_account(registered, AccountClosed(account_id=command.account_id, reason="x"))
    assert not closed.active and given_account(registered).active
    assert decide_close(close(command.account_id), closed) == []


def test_closing_an_unknown_account_is_refused():
    with pytest.raises(NotFound):
        decide_close(close(uuid4()), given_account())
