"""What every page form shares: reading what a form sends into the values of a command.

A form sends strings as typed; each area's ``forms`` module turns one into the command its API
route builds (``services/rooms/forms.py`` and the others), with these helpers. The command's
own rules stay the decider's: a form only reads, and a refusal of either is shown at the form's
field (``services.pages.refusals``).

Form inputs (``<input type=date>``, ``<input type=time>``) send Europe/Berlin wall-clock
values; they become aware instants here. A wall-clock time that does not exist (the hour
skipped in spring) is refused naming the field, rather than silently shifted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from uuid import UUID, uuid4

import msgspec
from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body

from events.base import EventMetadata
from services.auth.tokens import Principal
from services.commands.http import command_metadata
from services.pages.local_time import BERLIN
from services.platform.instants import EARLIEST, LATEST


FORM = Body(media_type=RequestEncodingType.URL_ENCODED)
"""How a page's form arrives: ``data: Annotated[SomeForm, FORM]``."""


class FormError(Exception):
    """A form field that cannot be read; ``key`` is the message's i18n key."""

    def __init__(self, field: str, key: str) -> None:
        super().__init__(f"{field}: {key}")
        self.field = field
        self.key = key


def parse_date(field: str, value: str) -> date:
    """A day of a form; one outside the years 2 to 9998 (services/instants.py) is invalid too,
    so that its instants stay convertible."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise FormError(field, "form.date_invalid") from None
    if not EARLIEST.date() <= day <= LATEST.date():
        raise FormError(field, "form.date_invalid")
    return day


def parse_time(field: str, value: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise FormError(field, "form.time_invalid") from None


def local_instant(field: str, day: date, clock: time) -> datetime:
    """The aware instant of a Berlin wall-clock time; a time skipped by the clock change is a
    FormError (in the autumn's repeated hour, the first of the two is meant)."""
    moment = datetime.combine(day, clock, tzinfo=BERLIN)
    round_trip = moment.astimezone(UTC).astimezone(BERLIN)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise FormError(field, "form.time_skipped")
    return moment


def form_uuid(field: str, value: str, key: str = "form.required") -> UUID:
    try:
        return UUID(value.strip())
    except ValueError:
        raise FormError(field, key) from None


def whole_number(field: str, value: str, most: int, key: str = "plan.number_invalid") -> int:
    """A whole number from 1 to ``most``."""
    try:
        number = int(value.strip())
    except ValueError:
        raise FormError(field, "form.required" if not value.strip() else key) from None
    if not 1 <= number <= most:
        raise FormError(field, key)
    return number


def wall_clock_range(date_: str, start: str, end: str) -> tuple[datetime, datetime]:
    """The aware ``[start, end)`` of a day's two wall-clock times; the end after the start."""
    day = parse_date("date", date_)
    starts_at = local_instant("start", day, parse_time("start", start))
    ends_at = local_instant("end", day, parse_time("end", end))
    if ends_at <= starts_at:
        raise FormError("end", "booking.ends_before_start")
    return starts_at, ends_at


def form_metadata(request: Request[Principal, Any, Any], kind: str,
                  request_key: str) -> EventMetadata:
    """A form's command metadata. Each rendering of a form carries a fresh ``request_key``: a
    second click or a reload stores nothing twice (the key is the request's idempotency key)."""
    key = request_key.strip() or None
    return command_metadata(request.user, f"page-{kind}:{key}" if key else None)


def fresh_key() -> str:
    """The hidden ``request_key`` of a form as rendered."""
    return uuid4().hex


Short = Annotated[str, msgspec.Meta(max_length=64)]
Many = Annotated[list[Short], msgspec.Meta(max_length=200)] | Short
"""A field a form may send once or repeatedly (checkboxes, one row per person)."""


def many(value: list[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class VolunteerForm(msgspec.Struct):
    """A form naming one volunteer: assigning, enrolling, or removing one once the
    confirmation page was answered."""

    volunteer_id: Short = ""
    request_key: Short = ""
