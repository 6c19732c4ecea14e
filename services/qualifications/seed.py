"""Define every code that stored shifts, trainings and grants name but the catalogue lacks.

Stores from before the catalogue hold codes in ``shift.created``, ``training.planned`` and
``volunteer.qualified``; each becomes a catalogue entry named by its code (the admin names it
properly later), with the validity of the latest training that granted it (else 24 months).
Nothing stored is rewritten; run on every start (``treffpunkt migrate`` / ``serve``), it
defines only what is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from events.base import EventMetadata
from events.interface import Store
from events.qualifications import QualificationDefined
from events.shifts import ShiftCreated
from events.trainings import TrainingPlanned, VolunteerQualified
from services.commands.handler import CommandHandler
from services.commands.rejections import Rejection
from services.qualifications.decider import QUALIFICATIONS, DefineQualification

DEFAULT_VALIDITY = 24
_TYPES = ("shift.created", "training.planned", "volunteer.qualified", "qualification.defined")


async def codes_in_history(store: Store) -> tuple[dict[str, int], set[str]]:
    """Codes named by stored events -> a validity in months; and the codes already defined."""
    named: dict[str, int] = {}
    defined: set[str] = set()
    after = 0
    while batch := await store.read_events(after, 5000, types=_TYPES):
        after = batch[-1].position
        for recorded in batch:
            match recorded.event:
                case ShiftCreated(required_qualifications=codes):
                    for code in codes:
                        named.setdefault(code, DEFAULT_VALIDITY)
                case TrainingPlanned(qualification=code, valid_for_months=months):
                    named[code] = months
                case VolunteerQualified(qualification=code):
                    named.setdefault(code, DEFAULT_VALIDITY)
                case QualificationDefined(code=code):
                    defined.add(code)
    return named, defined


async def seed_catalogue(commands: CommandHandler, store: Store, actor: str) -> list[str]:
    """Define the codes of the history missing from the catalogue; the codes defined now."""
    named, defined = await codes_in_history(store)
    added = []
    for code, months in named.items():
        if code in defined or not code.strip():
            continue
        try:
            await commands.handle(QUALIFICATIONS, DefineQualification(
                code=code, name_de=code, name_en=code,
                default_valid_for_months=min(max(months, 1), 120), now=datetime.now(UTC),
            ), EventMetadata(actor=actor))
        except Rejection:  # defined meanwhile, or a stored code no command would take
            continue
        added.append(code)
    return added
