"""Events of accounts. No plaintext e-mail is stored: only a keyed digest for signing in.

Streams: ``account-<id>`` for the account, ``account-email-<digest>`` claims an e-mail for one
account (appended together, so two accounts can never share an e-mail). The digest is an HMAC
keyed with a secret outside the database, so the history alone cannot confirm a guessed e-mail.
"""

from __future__ import annotations

from uuid import UUID

from events.base import Event


class AccountRegistered(Event, tag="account.registered", frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str
    password_hash: str
    role: str
    site_ids: list[UUID] = []
    volunteer_id: UUID | None = None
    email: bytes | None = None
    """A coordinator's address, sealed under the account's own key (subject_keys), so that the
    weekly digest can be mailed to it (opened only when sending); None for other roles and
    for accounts registered before it was kept."""
    invited: bool = False
    """Created by an invitation with a password nobody knows: no password was ever set until
    the invitation's link chooses one (only such an account accepts an invitation)."""


class AccountEmailClaimed(Event, tag="account.email_claimed", frozen=True, kw_only=True):
    account_id: UUID
    email_digest: str


class AccountClosed(Event, tag="account.closed", frozen=True, kw_only=True):
    """The account can no longer sign in (e.g. its volunteer was erased)."""

    account_id: UUID
    reason: str


class AccountEmailReleased(Event, tag="account.email_released", frozen=True, kw_only=True):
    """The e-mail's claim ends with its account: it may be used for a new account."""

    account_id: UUID
    email_digest: str


class AccountPasswordChanged(Event, tag="account.password_changed", frozen=True, kw_only=True):
    """A new password chosen through a single-use link (a password reset or an invitation):
    the link named the account's count of changes so far, so this event spends it and every
    link issued before. ``sign_out_everywhere``: the holder asked to end every other token."""

    account_id: UUID
    password_hash: str
    """As in ``AccountRegistered``: sealed under the account's own key."""
    sign_out_everywhere: bool = False
    changes: int = 0
    """The account's count of password changes with this one: tokens signed in before it
    carry a lower count (the ones refused when signing out everywhere)."""


class AccountEmailSealed(Event, tag="account.email_sealed", frozen=True, kw_only=True):
    """A coordinator's account registered before addresses were kept: its address, sealed
    under the account's own key as in ``AccountRegistered.email``, recorded when it signs in."""

    account_id: UUID
    email: bytes


EVENTS = (AccountRegistered, AccountEmailClaimed, AccountClosed, AccountEmailReleased)
EVENTS += (AccountPasswordChanged, AccountEmailSealed)
