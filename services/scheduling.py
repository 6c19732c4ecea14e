"""Which streams each scheduling command reads and writes; the deciders say what happens.

``run(handler, command, metadata)`` is the one entry point for the routes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from events.base import Event, EventMetadata
from services.command_handler import (
    CommandHandler,
    CommandResult,
    Fold,
    Load,
    command_digest,
    with_digest,
)
from services.offers import decider as offers
from services.rooms import decider as rooms
from services.shifts import decider as shifts
from services.shifts import volunteer
from services.sites import decider as sites
from services.streams import (
    offer_stream,
    room_stream,
    session_stream,
    shift_stream,
    site_stream,
    training_stream,
    volunteer_stream,
)
from services.trainings import decider as trainings

SITE = Fold(sites.initial_state, sites.evolve)
ROOM = Fold(rooms.initial_state, rooms.evolve)
OFFER = Fold(offers.initial_offer, offers.evolve_offer)
SESSION = Fold(offers.initial_session, offers.evolve_session)
SHIFT = Fold(shifts.initial_state, shifts.evolve)
TRAINING = Fold(trainings.initial_state, trainings.evolve)
VOLUNTEER = Fold(volunteer.initial_state, volunteer.evolve)

SchedulingCommand = (
    sites.AddSite
    | rooms.RoomCommand
    | offers.CreateOffer
    | offers.ScheduleSession
    | offers.RecordAttendance
    | shifts.ShiftCommand
    | trainings.TrainingCommand
)


async def run(
    handler: CommandHandler, command: SchedulingCommand, metadata: EventMetadata
) -> CommandResult:
    async def attempt(load: Load) -> list[Event]:
        return await _decide(command, load)

    if metadata.idempotency_key is not None:
        metadata = with_digest(metadata, command_digest(command))
    return await handler.execute(
        type(command).__name__, attempt, now=command.now, metadata=metadata
    )


async def _gather(*loads: Any) -> list[Any]:
    return list(await asyncio.gather(*loads))


async def _decide(command: SchedulingCommand, load: Load) -> list[Event]:
    match command:
        case sites.AddSite():
            return sites.decide(command, await load(site_stream(command.site_id), SITE))
        case rooms.AddRoom():
            site, room = await _gather(
                load(site_stream(command.site_id), SITE), load(room_stream(command.room_id), ROOM)
            )
            return rooms.decide(command, (site, room))
        case rooms.BookRoom():
            return rooms.decide(command, await load(room_stream(command.room_id), ROOM))
        case rooms.CancelBooking():
            room = await load(room_stream(command.room_id), ROOM)
            booking = room.bookings.get(command.booking_id)
            # The booking's owner hears of the cancellation in the same append.
            if booking is not None and booking.session_id is not None:
                await load(session_stream(booking.session_id), SESSION)
            if booking is not None and booking.training_id is not None:
                await load(training_stream(booking.training_id), TRAINING)
            return rooms.decide(command, room)
        case offers.CreateOffer():
            site, offer = await _gather(
                load(site_stream(command.site_id), SITE),
                load(offer_stream(command.offer_id), OFFER),
            )
            return offers.decide(command, (site, offer))
        case offers.ScheduleSession():
            offer, room, session = await _gather(
                load(offer_stream(command.offer_id), OFFER),
                load(room_stream(command.room_id), ROOM),
                load(session_stream(command.session_id), SESSION),
            )
            return offers.decide(command, (offer, room, session))
        case offers.RecordAttendance():
            return offers.decide(command, await load(session_stream(command.session_id), SESSION))
        case shifts.CreateShift():
            site, shift = await _gather(
                load(site_stream(command.site_id), SITE),
                load(shift_stream(command.shift_id), SHIFT),
            )
            session = offers.initial_session
            if command.session_id is not None:
                session = await load(session_stream(command.session_id), SESSION)
            return shifts.decide(command, (site, session, shift))
        case shifts.ClaimShift():
            shift, schedule = await _gather(
                load(shift_stream(command.shift_id), SHIFT),
                load(volunteer_stream(command.volunteer_id), VOLUNTEER),
            )
            return shifts.decide(command, (shift, schedule))
        case shifts.ReleaseClaim():
            shift = await load(shift_stream(command.shift_id), SHIFT)
            ids = [command.volunteer_id, *shift.waitlist]
            schedules = await _gather(*(load(volunteer_stream(v), VOLUNTEER) for v in ids))
            return shifts.decide(command, (shift, dict(zip(ids[1:], schedules[1:]))))
        case shifts.ConfirmShiftAttendance():
            return shifts.decide(command, await load(shift_stream(command.shift_id), SHIFT))
        case trainings.PlanTraining():
            site, room, training = await _gather(
                load(site_stream(command.site_id), SITE),
                load(room_stream(command.room_id), ROOM),
                load(training_stream(command.training_id), TRAINING),
            )
            return trainings.decide(command, (site, room, training))
        case trainings.EnrollInTraining():
            training, schedule = await _gather(
                load(training_stream(command.training_id), TRAINING),
                load(volunteer_stream(command.volunteer_id), VOLUNTEER),
            )
            return trainings.decide(command, (training, schedule))
        case trainings.CancelEnrollment():
            training = await load(training_stream(command.training_id), TRAINING)
            return trainings.decide(command, training)
        case trainings.CompleteTraining():
            training = await load(training_stream(command.training_id), TRAINING)
            attendees = dict.fromkeys(command.attended)
            await _gather(*(load(volunteer_stream(v), VOLUNTEER) for v in attendees))
            return trainings.decide(command, training)
    raise TypeError(f"unknown command {command!r}")
