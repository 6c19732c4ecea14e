"""Choosing a password through a link: given events / when command / then events, and the
signed link itself (forged, expired, read back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec
import pytest

from events.accounts import AccountClosed, AccountPasswordChanged, AccountRegistered
from services.accounts import links
from services.accounts.decider import PASSWORDS, ChangePassword
from services.auth.closed_accounts import ended_by
from services.commands.rejections import Conflict, Invalid, NotFound
from services.platform.problems import loggable_path
from tests.deciding import when

pytestmark = pytest.mark.unit

ACCOUNT_ID = uuid4()
NOW = datetime(2026, 12, 6, 10, tzinfo=UTC)
REGISTERED = AccountRegistered(account_id=ACCOUNT_ID, email_digest="d", password_hash="old",
                               role="volunteer", volunteer_id=uuid4())


def change(issued_at_change: int, everywhere: bool = False) -> ChangePassword:
    return ChangePassword(account_id=ACCOUNT_ID, issued_at_change=issued_at_change,
                          password_hash="new", sign_out_everywhere=everywhere, now=NOW)


def test_an_invitation_link_is_refused_by_an_account_whose_password_someone_chose():
    invited = msgspec.structs.replace(REGISTERED, invited=True)
    invitation = msgspec.structs.replace(change(0), invitation=True)
    with pytest.raises(Conflict) as refused:
        when(PASSWORDS, invitation, REGISTERED)  # created with a password by an admin
    assert refused.value.field == "token" and refused.value.members["code"] == "has_password"
    assert when(PASSWORDS, invitation, invited)[0].changes == 1
    assert when(PASSWORDS, change(0), REGISTERED)[0].changes == 1  # a reset still works


def test_a_link_changes_the_password_once_and_spends_every_link_issued_before():
    changed, = when(PASSWORDS, change(0, everywhere=True), REGISTERED)
    assert changed == AccountPasswordChanged(account_id=ACCOUNT_ID, password_hash="new",
                                             sign_out_everywhere=True, changes=1)
    with pytest.raises(Conflict) as spent:
        when(PASSWORDS, change(0), REGISTERED, changed)
    assert spent.value.field == "token"
    assert when(PASSWORDS, change(1), REGISTERED, changed)[0].changes == 2


def test_a_link_of_a_closed_or_unknown_account_is_refused():
    with pytest.raises(NotFound):
        when(PASSWORDS, change(0), REGISTERED, AccountClosed(account_id=ACCOUNT_ID, reason="x"))
    with pytest.raises(NotFound):
        when(PASSWORDS, change(0))


def test_signing_out_everywhere_ends_the_tokens_of_every_earlier_count_only():
    event = AccountPasswordChanged(account_id=ACCOUNT_ID, password_hash="h",
                                   sign_out_everywhere=True, changes=2)
    assert ended_by(event) == [(ACCOUNT_ID, 0), (ACCOUNT_ID, 1)]
    kept = AccountPasswordChanged(account_id=ACCOUNT_ID, password_hash="h", changes=2)
    assert ended_by(kept) == []


def test_a_link_is_read_back_and_a_forged_or_expired_one_refused():
    key = b"k" * 32
    token = links.issue(key, ACCOUNT_ID, links.RESET, 3, NOW)
    link = links.read(key, token, NOW + timedelta(minutes=59))
    assert (link.account_id, link.purpose, link.issued_at_change) == (ACCOUNT_ID, "reset", 3)
    with pytest.raises(Invalid, match="expired"):
        links.read(key, token, NOW + timedelta(hours=1))
    with pytest.raises(Invalid, match="not valid"):
        links.read(b"x" * 32, token, NOW)
    with pytest.raises(Invalid, match="not valid"):
        links.read(key, "garbage", NOW)
    invitation = links.read(key, links.issue(key, ACCOUNT_ID, links.INVITATION, 0, NOW),
                            NOW + timedelta(days=6, hours=23))
    assert invitation.purpose == "invitation"


def test_a_log_line_never_holds_a_links_token():
    token = links.issue(b"k" * 32, ACCOUNT_ID, links.RESET, 0, NOW)
    for path in (f"/password/{token}", f"/api/auth/password-reset/{token}"):
        assert token not in loggable_path(path) and loggable_path(path).endswith("[token]")
    assert loggable_path("/api/auth/password-reset") == "/api/auth/password-reset"
