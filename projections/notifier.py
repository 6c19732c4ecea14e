"""The notifier: follows the history like a read model and decides who is told what.

Its own tables (sites, shifts, volunteers, who holds or waits for which shift) are a read model
like any other, in generations. What it decides goes into ``outbox`` (migration 0003), outside
the generations, in the same transaction as the checkpoint, keyed by its cause
(``<event position>:<kind>:<volunteer>``): a batch applied again after a crash queues nothing
twice. A rebuild replays the history but queues nothing at or below ``notifier_horizon``, the
highest position ever decided on, so a rebuild never sends anything again. What an event does
not say but an earlier message does (whom a withdrawn handover offer named) is read from that
message's outbox row.

A new event that tells someone something is a row of ``NOTICES`` (event type -> the notices
it gives); the message's words are the kind's entries in the mail catalogue
(``workers/mail/locale``). Only ids and ciphertext are kept: addresses are opened by the
worker that sends (``workers/mail/outbox.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from events import handovers, shifts, trainings
from events.accounts import AccountClosed, AccountEmailSealed, AccountRegistered
from events.base import Event, PositionedEvent
from events.sites import SiteAdded
from events.volunteers import (
    NotificationSettingsChanged,
    VolunteerErased,
    VolunteerHomeSitesChosen,
    VolunteerRegistered,
)
from projections import repairs
from projections.pipeline import Pipeline

NAME = "notifier"
SITES, SHIFTS = "notifier_sites", "notifier_shifts"
VOLUNTEERS, HOLDINGS = "notifier_volunteers", "notifier_holdings"
MEMBERS = "notifier_members"
COORDINATORS = "notifier_coordinators"
OUTBOX = "outbox"

CLAIM_CONFIRMED = "claim_confirmed"
WAITLISTED = "waitlisted"
MOVED_UP = "moved_up"
SHIFT_CANCELLED = "shift_cancelled"
REMINDER = "reminder"
HANDOVER_OFFERED = "handover_offered"
HANDED_OVER = "handed_over"
HANDOVER_WITHDRAWN = "handover_withdrawn"
PASSWORD_RESET = "password_reset"
INVITATION = "invitation"
"""Kinds sent on request, not decided on the history (queued by ``queue_direct``)."""
TRAINING_ENROLLED = "training_enrolled"
TRAINING_REMINDER = "training_reminder"
TRAINING_CANCELLED = "training_cancelled"
QUALIFICATION_EXPIRING = "qualification_expiring"
"""Queued by a periodic pass (``projections/qualification_warnings.py``)."""
KINDS = (CLAIM_CONFIRMED, WAITLISTED, MOVED_UP, SHIFT_CANCELLED, REMINDER, HANDOVER_OFFERED,
         HANDED_OVER, HANDOVER_WITHDRAWN, TRAINING_ENROLLED, TRAINING_REMINDER,
         TRAINING_CANCELLED, QUALIFICATION_EXPIRING)
"""Every kind of message a volunteer may be sent (and may turn off)."""
COORDINATOR_DIGEST = "coordinator_digest"
"""The coordinators' weekly digest (``projections/coordinator_digest.py``), to an account."""


class Notice(msgspec.Struct, frozen=True, kw_only=True):
    """Tell ``volunteer_id`` (or, without one, everyone holding or waiting for the shift; with
    ``audience="site"`` every volunteer of the shift's site not holding a place on it; with
    ``audience="offered_to"`` the colleague the handover ``params["handover_id"]`` named)
    ``kind`` about ``shift_id``; ``params`` are values of the event the message shows."""

    kind: str
    shift_id: UUID
    volunteer_id: UUID | None = None
    audience: str = "holders"
    params: Mapping[str, Any] = {}


def _handover_offered(e: handovers.HandoverOffered) -> list[Notice]:
    return [Notice(kind=HANDOVER_OFFERED, shift_id=e.shift_id, volunteer_id=e.to_volunteer_id,
                   audience="site", params={"handover_id": str(e.handover_id),
                                            "named": e.to_volunteer_id is not None,
                                            "from": str(e.from_volunteer_id)})]


def _handover_withdrawn(e: handovers.HandoverWithdrawn) -> list[Notice]:
    # The event does not say whom the offer named: the offer's own mail to them does (``named``).
    # An offer to the whole site is withdrawn silently (its queued offers are suppressed).
    return [Notice(kind=HANDOVER_WITHDRAWN, shift_id=e.shift_id, audience="offered_to",
                   params={"handover_id": str(e.handover_id)})]


NOTICES: dict[type[Event], Callable[[Any], list[Notice]]] = {
    shifts.ShiftClaimed: lambda e: [Notice(
        kind=MOVED_UP if e.from_waitlist else CLAIM_CONFIRMED,
        shift_id=e.shift_id, volunteer_id=e.volunteer_id)],
    shifts.ShiftWaitlisted: lambda e: [Notice(kind=WAITLISTED, shift_id=e.shift_id,
                                       volunteer_id=e.volunteer_id)],
    shifts.ShiftCancelled: lambda e: [Notice(kind=SHIFT_CANCELLED, shift_id=e.shift_id,
                                      params={"reason": e.reason})],
    handovers.HandoverOffered: _handover_offered,
    handovers.HandoverWithdrawn: _handover_withdrawn,
    # A training is kept as a shift of the notifier's tables (its enrolments as held places).
    trainings.TrainingEnrolled: lambda e: [Notice(kind=TRAINING_ENROLLED, shift_id=e.training_id,
                                           volunteer_id=e.volunteer_id)],
    trainings.TrainingCancelled: lambda e: [Notice(kind=TRAINING_CANCELLED,
                                            shift_id=e.training_id)],
    # The taker's confirmation is the claim_confirmed of the same append's shift.claimed.
    handovers.HandoverAccepted: lambda e: [Notice(kind=HANDED_OVER, shift_id=e.shift_id,
                                           volunteer_id=e.from_volunteer_id)],
}
"""Event type -> what it tells whom. Applied after the event's own change to the tables."""


def _kept_text(event: Event) -> bytes:
    """The text of the event this read model keeps (to find what must be made safe)."""
    match event:
        case SiteAdded():
            return msgspec.json.encode([event.name])
        case shifts.ShiftCreated():
            return msgspec.json.encode([event.title])
        case shifts.ShiftCancelled():
            return msgspec.json.encode([event.reason])
        case trainings.TrainingPlanned():
            return msgspec.json.encode([event.title])
    return b"[]"


def _site(e: SiteAdded) -> tuple[str, tuple[Any, ...]]:
    return ("""INSERT INTO {notifier_sites} (site_id, name) VALUES ($1, $2)
               ON CONFLICT (site_id) DO UPDATE SET name = EXCLUDED.name""",
            (e.site_id, e.name))


def _shift(e: shifts.ShiftCreated) -> tuple[str, tuple[Any, ...]]:
    return ("""INSERT INTO {notifier_shifts} (shift_id, site_id, title, starts_at, ends_at)
               VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shift_id) DO UPDATE
               SET site_id = $2, title = $3, starts_at = $4, ends_at = $5""",
            (e.shift_id, e.site_id, e.title, e.starts_at, e.ends_at))


def _training(e: trainings.TrainingPlanned) -> tuple[str, tuple[Any, ...]]:
    return ("""INSERT INTO {notifier_shifts} (shift_id, site_id, title, starts_at, ends_at,
                                             training)
               VALUES ($1, $2, $3, $4, $5, true) ON CONFLICT (shift_id) DO UPDATE
               SET site_id = $2, title = $3, starts_at = $4, ends_at = $5, training = true""",
            (e.training_id, e.site_id, e.title, e.starts_at, e.ends_at))


def _volunteer(e: VolunteerRegistered) -> tuple[str, tuple[Any, ...]]:
    return ("""WITH member AS (INSERT INTO {notifier_members} (volunteer_id, site_id)
                                SELECT $1, unnest($4::uuid[]) ON CONFLICT DO NOTHING)
               INSERT INTO {notifier_volunteers} (volunteer_id, email, name) VALUES ($1, $2, $3)
               ON CONFLICT (volunteer_id) DO UPDATE SET email = $2, name = $3""",
            (e.volunteer_id, e.email, e.name, list(e.site_ids)))


def _erased(e: VolunteerErased) -> tuple[str, tuple[Any, ...]]:
    # Whatever is still pending for the volunteer is never sent (also after a rebuild).
    return ("""WITH erased AS (UPDATE {notifier_volunteers} SET erased = true
                                 WHERE volunteer_id = $1)
               UPDATE outbox SET state = 'suppressed', detail = 'erased', finished_at = now()
                WHERE volunteer_id = $1 AND state = 'queued'""",
            (e.volunteer_id,))


def _coordinator(e: AccountRegistered) -> tuple[str, tuple[Any, ...]]:
    # Only a coordinator's account is kept (its sites, its sealed address for the digest).
    return ("""INSERT INTO {notifier_coordinators} (account_id, site_ids, email)
               SELECT $1, $2, $3 WHERE $4 = 'coordinator'
               ON CONFLICT (account_id) DO UPDATE SET site_ids = $2, email = $3""",
            (e.account_id, list(e.site_ids), e.email, e.role))


def _account_closed(e: AccountClosed) -> tuple[str, tuple[Any, ...]]:
    return ("""WITH closed AS (UPDATE {notifier_coordinators} SET closed = true
                                 WHERE account_id = $1)
               UPDATE outbox SET state = 'suppressed', detail = 'closed', finished_at = now()
                WHERE volunteer_id = $1 AND kind = 'coordinator_digest' AND state = 'queued'""",
            (e.account_id,))


def _member(e: VolunteerRegistered | VolunteerHomeSitesChosen) -> tuple[str, tuple[Any, ...]]:
    return ("""INSERT INTO {notifier_members} (volunteer_id, site_id)
               SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING""",
            (e.volunteer_id, list(e.site_ids)))


def _settings(e: NotificationSettingsChanged) -> tuple[str, tuple[Any, ...]]:
    return ("""UPDATE {notifier_volunteers} SET language = $2, reminder_hours = $3, off = $4
                WHERE volunteer_id = $1""",
            (e.volunteer_id, e.language, e.reminder_hours_before, list(e.off)))


def _holding(status: str) -> Callable[[Any], tuple[str, tuple[Any, ...]]]:
    def change(e: shifts.ShiftClaimed | shifts.ShiftWaitlisted | trainings.TrainingEnrolled,
               position: int) -> tuple[str, tuple[Any, ...]]:
        # A volunteer who holds or waits for a shift of a site counts as one of its volunteers.
        return ("""WITH member AS (INSERT INTO {notifier_members} (volunteer_id, site_id)
                                    SELECT $1, site_id FROM {notifier_shifts} WHERE shift_id = $2
                                    ON CONFLICT DO NOTHING)
                   INSERT INTO {notifier_holdings} (volunteer_id, shift_id, status, since)
                   VALUES ($1, $2, $3, $4) ON CONFLICT (volunteer_id, shift_id)
                   DO UPDATE SET status = $3, since = $4""",
                (e.volunteer_id, getattr(e, "shift_id", None) or e.training_id, status,
                 position))
    return change


# An event ends only what was caused before it (``cause_position`` below its position; a
# reminder's cause is the claim it reminds of, rows queued before causes were kept count as
# before): replayed by a rebuild, an old release must not suppress what a later claim of the
# same place queued.

def _released(volunteer_id: UUID, shift_id: UUID, position: int) -> tuple[str, tuple[Any, ...]]:
    # A reminder queued but not yet sent for a place given up is suppressed, not sent; so are
    # the mails offering that place to colleagues (the offer ended with the claim).
    return ("""WITH gone AS (DELETE FROM {notifier_holdings}
                              WHERE volunteer_id = $1 AND shift_id = $2)
               UPDATE outbox SET state = 'suppressed', detail = 'released', finished_at = now()
                WHERE shift_id = $2 AND state = 'queued' AND coalesce(cause_position, 0) < $3
                  AND (volunteer_id = $1 AND kind IN ('reminder', 'training_reminder')
                       OR kind = 'handover_offered' AND params->>'from' = $1::text)""",
            (volunteer_id, shift_id, position))


def _gone(
    e: shifts.ShiftClaimReleased | shifts.ShiftWaitlistLeft, position: int,
) -> tuple[str, tuple[Any, ...]]:
    return _released(e.volunteer_id, e.shift_id, position)


def _offer_closed(handover_id: UUID, detail: str,
                  position: int) -> tuple[str, tuple[Any, ...]]:
    # An offer withdrawn or taken is no offer any more: its mails not yet sent never are.
    return ("""UPDATE outbox SET state = 'suppressed', detail = $2, finished_at = now()
                WHERE kind = 'handover_offered' AND state = 'queued'
                  AND params->>'handover_id' = $1 AND cause_position < $3""",
            (str(handover_id), detail, position))


def _cancelled(shift_id: UUID, position: int) -> tuple[str, tuple[Any, ...]]:
    # The holders stay in the table until the notices are queued (the releases follow later).
    # Reminders and offers of its places to colleagues not yet sent are not sent.
    return ("""WITH gone AS (UPDATE {notifier_shifts} SET cancelled = true WHERE shift_id = $1)
               UPDATE outbox SET state = 'suppressed', detail = 'cancelled', finished_at = now()
                WHERE shift_id = $1 AND state = 'queued' AND coalesce(cause_position, 0) < $2
                  AND kind IN ('reminder', 'training_reminder', 'handover_offered')""",
            (shift_id, position))


CHANGES: dict[type[Event], Callable[..., tuple[str, tuple[Any, ...]]]] = {
    SiteAdded: _site,
    shifts.ShiftCreated: _shift,
    VolunteerRegistered: _volunteer,
    VolunteerHomeSitesChosen: _member,
    VolunteerErased: _erased,
    NotificationSettingsChanged: _settings,
    trainings.TrainingPlanned: _training,
    AccountRegistered: _coordinator,
    AccountClosed: _account_closed,
    AccountEmailSealed: lambda e: (
        "UPDATE {notifier_coordinators} SET email = $2 WHERE account_id = $1",
        (e.account_id, e.email)),
}
"""Event type -> its change to the notifier's tables (SQL, arguments)."""
POSITIONED_CHANGES: dict[type[Event], Callable[[Any, int], tuple[str, tuple[Any, ...]]]] = {
    shifts.ShiftClaimed: _holding("claimed"),
    shifts.ShiftWaitlisted: _holding("waitlisted"),
    trainings.TrainingEnrolled: _holding("claimed"),
    shifts.ShiftClaimReleased: _gone,
    shifts.ShiftWaitlistLeft: _gone,
    shifts.ShiftCancelled: lambda e, at: _cancelled(e.shift_id, at),
    trainings.TrainingEnrollmentCancelled: lambda e, at: _released(e.volunteer_id,
                                                                   e.training_id, at),
    trainings.TrainingCancelled: lambda e, at: _cancelled(e.training_id, at),
    handovers.HandoverWithdrawn: lambda e, at: _offer_closed(e.handover_id, "withdrawn", at),
    handovers.HandoverAccepted: lambda e, at: _offer_closed(e.handover_id, "accepted", at),
}
"""As ``CHANGES``, for the changes that need the event's position too (a holding's order; what
an event ends in the outbox)."""

_QUEUE = """
INSERT INTO outbox (key, kind, volunteer_id, shift_id, cause_position, language, recipient,
                    recipient_name, params)
SELECT $1::bigint || ':' || $2 || ':' || v.volunteer_id, $2, v.volunteer_id, s.shift_id, $1,
       v.language, v.email, v.name,
       jsonb_build_object('site', coalesce(si.name, ''), 'title', s.title,
                          'starts_at', s.starts_at, 'ends_at', s.ends_at,
                          'place', (SELECT count(*) FROM {notifier_holdings} w
                                     WHERE w.shift_id = s.shift_id AND w.status = 'waitlisted'
                                       AND w.since <= h.since AND h.status = 'waitlisted'))
         || $4::jsonb
  FROM {notifier_shifts} s
  JOIN {notifier_volunteers} v ON RECIPIENTS
  LEFT JOIN {notifier_holdings} h ON h.shift_id = s.shift_id AND h.volunteer_id = v.volunteer_id
  LEFT JOIN {notifier_sites} si ON si.site_id = s.site_id
 WHERE s.shift_id = $3 AND NOT v.erased AND NOT ($2 = ANY (v.off))
   AND s.starts_at > now()
   AND $1 > (SELECT position FROM notifier_horizon)
ON CONFLICT (key) DO NOTHING"""
_QUEUE_TO = {
    "volunteer": _QUEUE.replace("RECIPIENTS", "v.volunteer_id = $5"),
    "site": _QUEUE.replace("RECIPIENTS", """v.volunteer_id IN (
                SELECT volunteer_id FROM {notifier_members} WHERE site_id = s.site_id)
           AND v.volunteer_id NOT IN (SELECT volunteer_id FROM {notifier_holdings}
                                       WHERE shift_id = s.shift_id AND status = 'claimed')"""),
    "holders": _QUEUE.replace("RECIPIENTS", """v.volunteer_id IN (
                SELECT volunteer_id FROM {notifier_holdings} WHERE shift_id = s.shift_id)"""),
    # Whom the offer named and whose mail of it went out or may have (a worker took it): who
    # never heard of the offer (its mail suppressed before any attempt, by this very withdrawal
    # too, or never queued) is not told.
    "offered_to": _QUEUE.replace("RECIPIENTS", """v.volunteer_id IN (
                SELECT o.volunteer_id FROM outbox o
                 WHERE o.kind = 'handover_offered' AND o.params->>'handover_id' = $5::text
                   AND (o.params->>'named')::boolean
                   AND (o.state <> 'suppressed' OR o.attempts > 0))"""),
}
"""The notice's recipients, one statement each: chosen in one statement (a ``CASE`` in the
join, whose only reusable plan scans every volunteer), PostgreSQL planned each notice anew,
0.5 ms a notice instead of 0.1 (``bench/notifications.py``)."""


def _queue(notice: Notice) -> tuple[str, tuple[Any, ...]]:
    """The statement queueing ``notice`` and its arguments after the common four."""
    if notice.volunteer_id is not None:
        return _QUEUE_TO["volunteer"], (notice.volunteer_id,)
    if notice.audience == "offered_to":
        return _QUEUE_TO["offered_to"], (notice.params["handover_id"],)
    return _QUEUE_TO["site" if notice.audience == "site" else "holders"], ()


class Notifier:
    name = NAME
    tables = {
        SITES: "site_id uuid PRIMARY KEY, name text NOT NULL",
        SHIFTS: """shift_id uuid PRIMARY KEY, site_id uuid NOT NULL, title text NOT NULL,
                   starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL,
                   cancelled boolean NOT NULL DEFAULT false,
                   training boolean NOT NULL DEFAULT false""",
        VOLUNTEERS: """volunteer_id uuid PRIMARY KEY, email bytea, name bytea,
                       erased boolean NOT NULL DEFAULT false,
                       language text NOT NULL DEFAULT 'de',
                       reminder_hours integer NOT NULL DEFAULT 48,
                       off text[] NOT NULL DEFAULT '{}'""",
        HOLDINGS: """volunteer_id uuid NOT NULL, shift_id uuid NOT NULL, status text NOT NULL,
                     since bigint NOT NULL, PRIMARY KEY (volunteer_id, shift_id)""",
        MEMBERS: """volunteer_id uuid NOT NULL, site_id uuid NOT NULL,
                    PRIMARY KEY (site_id, volunteer_id)""",
        COORDINATORS: """account_id uuid PRIMARY KEY, site_ids uuid[] NOT NULL, email bytea,
                         closed boolean NOT NULL DEFAULT false""",
    }
    indexes = ("CREATE INDEX ON {notifier_holdings} (shift_id)",)
    event_types = frozenset(
        event_type.__struct_config__.tag
        for event_type in (*CHANGES, *POSITIONED_CHANGES, *NOTICES))

    async def apply(self, connection: Pipeline, tables: Mapping[str, str],
                    events: Sequence[PositionedEvent]) -> None:
        events, made_safe = repairs.repair_batch(NAME, events, _kept_text)
        await repairs.record(connection, made_safe)
        for positioned in events:
            event = positioned.event
            if event is None:
                continue
            kind = type(event)
            if kind in CHANGES:
                sql, arguments = CHANGES[kind](event)
                await connection.execute(sql.format(**tables), *arguments)
            if kind in POSITIONED_CHANGES:
                sql, arguments = POSITIONED_CHANGES[kind](event, positioned.position)
                await connection.execute(sql.format(**tables), *arguments)
            for notice in NOTICES.get(kind, _nothing)(event):
                sql, recipient = _queue(notice)
                await connection.execute(
                    sql.format(**tables), positioned.position, notice.kind, notice.shift_id,
                    msgspec.json.encode(notice.params).decode(), *recipient)
        if events:
            await connection.execute(
                "UPDATE notifier_horizon SET position = greatest(position, $1)",
                events[-1].position)


def _nothing(event: Event) -> list[Notice]:
    return []


NOTIFIER = Notifier()


_DUE_REMINDERS = """
INSERT INTO outbox (key, kind, volunteer_id, shift_id, cause_position, language, recipient,
                    recipient_name, params)
SELECT 'reminder:' || s.shift_id || ':' || v.volunteer_id || ':'
           || extract(epoch FROM s.starts_at)::bigint,
       k.kind, v.volunteer_id, s.shift_id, h.since, v.language, v.email, v.name,
       jsonb_build_object('site', coalesce(si.name, ''), 'title', s.title,
                          'starts_at', s.starts_at, 'ends_at', s.ends_at)
  FROM notifier_holdings h
  JOIN notifier_shifts s USING (shift_id)
  JOIN notifier_volunteers v USING (volunteer_id)
  LEFT JOIN notifier_sites si ON si.site_id = s.site_id
 CROSS JOIN LATERAL (SELECT CASE WHEN s.training THEN 'training_reminder'
                             ELSE 'reminder' END AS kind) k
 CROSS JOIN LATERAL (SELECT ((s.starts_at AT TIME ZONE 'Europe/Berlin')
                             - make_interval(hours => v.reminder_hours))
                            AT TIME ZONE 'Europe/Berlin' AS due_at) d
 WHERE h.status = 'claimed' AND NOT s.cancelled AND NOT v.erased
   AND NOT (k.kind = ANY (v.off))
   AND d.due_at <= $1 AND s.starts_at > $1
   -- claimed inside the reminder's window: the confirmation just sent says it all
   AND NOT EXISTS (SELECT 1 FROM outbox c
                    WHERE c.volunteer_id = v.volunteer_id AND c.shift_id = s.shift_id
                      AND c.kind IN ('claim_confirmed', 'moved_up', 'training_enrolled')
                      AND c.queued_at >= d.due_at)
ON CONFLICT (key) DO NOTHING"""


async def queue_due_reminders(connection: Any, now: datetime) -> int:
    """Queue the reminder of every held place whose time has come: ``reminder_hours`` before
    the shift on the Berlin wall clock (48 h before 09:00 is 09:00 two days before, across a
    change of the clocks too). Keyed by shift, volunteer and start, so once per shift (a moved
    shift is reminded of again). Returns how many were queued."""
    status = await connection.execute(_DUE_REMINDERS, now)
    return int(status.rsplit(" ", 1)[-1])


async def settings_of(connection: Any, volunteer_id: UUID) -> dict[str, Any] | None:
    """``{language, reminder_hours_before, off}``; None for a volunteer not (yet) known."""
    row = await connection.fetchrow(
        f"""SELECT language, reminder_hours AS reminder_hours_before, off FROM {VOLUNTEERS}
             WHERE volunteer_id = $1 AND NOT erased""", volunteer_id)
    return dict(row) if row else None


async def queue_direct(connection: Any, *, key: str, kind: str, subject_id: UUID,
                       recipient: bytes, language: str, params: Mapping[str, Any]) -> None:
    """Queue a message asked for directly (a password link): ``recipient`` is the address's
    ciphertext under ``subject_id``'s key, ``key`` derived from the request's cause."""
    await connection.execute(
        """INSERT INTO outbox (key, kind, volunteer_id, language, recipient, params)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT (key) DO NOTHING""",
        key, kind, subject_id, language, recipient, msgspec.json.encode(params).decode())
