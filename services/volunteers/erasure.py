"""Erasing a volunteer: recorded on its stream, with the closing of every account it has and the
release of their e-mails, in one append (the accounts' tokens end with it)."""

from __future__ import annotations

from typing import Any

from events.base import Event
from services.accounts.decider import CloseAccount, decide_close
from services.accounts.state import ACCOUNT, EMAIL
from services.commands.decider import Decider, States, Stream
from services.volunteers.decider import EraseVolunteer, decide_person
from services.volunteers.state import VOLUNTEER

ERASURE_REASON = "volunteer erased"


def streams(command: EraseVolunteer, loaded: States) -> list[Stream[Any]]:
    """The volunteer's stream, then its accounts', then the e-mail claims of the open ones."""
    person = loaded[VOLUNTEER(command.volunteer_id)]
    touched: list[Stream[Any]] = [VOLUNTEER(command.volunteer_id)]
    for account_id in person.account_ids:
        touched.append(ACCOUNT(account_id))
        account = loaded[ACCOUNT(account_id)]
        if account.active:
            touched.append(EMAIL(account.registered.email_digest))
    return touched


def decide(command: EraseVolunteer, states: States) -> list[Event]:
    person = states[VOLUNTEER(command.volunteer_id)]
    events = decide_person(command, person)
    for account_id in person.account_ids:
        events += decide_close(
            CloseAccount(account_id=account_id, reason=ERASURE_REASON, now=command.now),
            states[ACCOUNT(account_id)],
        )
    return events


ERASURE = Decider(commands=(EraseVolunteer,), kinds=(VOLUNTEER, ACCOUNT, EMAIL), streams=streams,
                  decide=decide)
