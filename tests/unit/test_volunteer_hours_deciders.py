"""Recording volunteer hours: who served a shift (walk-ins, actual times), timesheet lines and
their corrections, and the funding settings that value them. Given events, when a command,
then events or a rejection naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from events.funding import FundingSettingsChanged
from events.hours import HoursCorrected, HoursRecorded
from events.offers import OfferCreated
from events.shifts import (
    ServiceTime,
    ShiftAttendanceConfirmed,
    ShiftClaimed,
    ShiftCreated,
    VolunteerShiftClaimed,
)
from events.sites import SiteAdded
from events.volunteers import VolunteerErased, VolunteerRegistered
from services.commands.rejections import Conflict, Invalid, NotFound
from services.funding.decider import FUNDING_SETTINGS, ChangeFundingSettings
from services.hours.decider import HOURS, CorrectHours, RecordHours
from services.shifts.decider import SHIFTS, ConfirmShiftAttendance
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

SITE, OTHER_SITE, OFFER, SHIFT, OTHER_SHIFT, LINE = (uuid4() for _ in range(6))
CLAIMED, WALK_IN, ERASED = uuid4(), uuid4(), uuid4()
START, END = datetime(2026, 10, 10, 9, tzinfo=UTC), datetime(2026, 10, 10, 13, tzinfo=UTC)
AFTER = END + timedelta(hours=1)


def registered(volunteer_id):
    return VolunteerRegistered(volunteer_id=volunteer_id, name=b"-", email=b"-")


def a_held_shift(*events):
    return [
        SiteAdded(site_id=SITE, name="Dorftreff Gehrde", village="Gehrde"),
        ShiftCreated(shift_id=SHIFT, site_id=SITE, title="Küche", starts_at=START, ends_at=END,
                     capacity=2),
        registered(CLAIMED), registered(WALK_IN),
        ShiftClaimed(shift_id=SHIFT, volunteer_id=CLAIMED),
        VolunteerShiftClaimed(volunteer_id=CLAIMED, shift_id=SHIFT, starts_at=START,
                              ends_at=END),
        *events,
    ]


def confirm(**fields):
    return ConfirmShiftAttendance(shift_id=SHIFT, present=fields.pop("present", [CLAIMED]),
                                  now=fields.pop("now", AFTER), **fields)


def test_a_walk_in_served_without_a_claim_and_times_name_who_left_early():
    left = ServiceTime(started_at=START, ended_at=END - timedelta(minutes=45))
    [confirmed] = when(SHIFTS, confirm(walk_ins=[WALK_IN], times={CLAIMED: left}),
                       *a_held_shift())
    assert confirmed == ShiftAttendanceConfirmed(
        shift_id=SHIFT, present=[CLAIMED], starts_at=START, ends_at=END, walk_ins=[WALK_IN],
        times={CLAIMED: left})


def test_confirming_reads_each_walk_ins_stream():
    assert streams_touched(SHIFTS, confirm(walk_ins=[WALK_IN, WALK_IN])) == [
        f"shift-{SHIFT}", f"volunteer-{WALK_IN}"]


@pytest.mark.parametrize(("walk_in", "code"), [
    (uuid4(), "volunteer_not_found"), (ERASED, "volunteer_not_found"), (CLAIMED, "claimed")])
def test_a_walk_in_must_be_an_active_volunteer_who_held_no_place(walk_in, code):
    with pytest.raises(Invalid) as refused:
        when(SHIFTS, confirm(walk_ins=[walk_in]),
             *a_held_shift(registered(ERASED), VolunteerErased(volunteer_id=ERASED)))
    assert (refused.value.field, refused.value.members["code"]) == ("walk_ins[0]", code)


def test_a_walk_in_busy_on_an_overlapping_shift_is_refused():
    elsewhere = VolunteerShiftClaimed(volunteer_id=WALK_IN, shift_id=OTHER_SHIFT,
                                      starts_at=START + timedelta(hours=1), ends_at=END)
    with pytest.raises(Conflict, match="overlapping"):
        when(SHIFTS, confirm(walk_ins=[WALK_IN]), *a_held_shift(elsewhere))


@pytest.mark.parametrize(("times", "field", "code"), [
    ({WALK_IN: (START, END)}, "times.{walk_in}", "not_serving"),
    ({CLAIMED: (START, START)}, "times.{claimed}.ended_at", "ends_before_start"),
    ({CLAIMED: (START - timedelta(hours=4), END)}, "times.{claimed}", "out_of_window"),
    ({CLAIMED: (START, END + timedelta(hours=4))}, "times.{claimed}", "out_of_window"),
    ({CLAIMED: (START, AFTER + timedelta(minutes=1))}, "times.{claimed}.ended_at",
     "in_the_future"),
])
def test_actual_times_lie_within_three_hours_of_the_shift_in_the_past(times, field, code):
    spans = {who: ServiceTime(started_at=a, ended_at=b) for who, (a, b) in times.items()}
    with pytest.raises(Invalid) as refused:
        when(SHIFTS, confirm(times=spans), *a_held_shift())
    assert refused.value.field == field.format(walk_in=WALK_IN, claimed=CLAIMED)
    assert refused.value.members["code"] == code


def test_a_second_confirmation_is_a_correction_and_needs_a_reason():
    first = ShiftAttendanceConfirmed(shift_id=SHIFT, present=[CLAIMED], starts_at=START,
                                     ends_at=END)
    with pytest.raises(Invalid, match="reason"):
        when(SHIFTS, confirm(walk_ins=[WALK_IN]), *a_held_shift(first))
    [corrected] = when(SHIFTS, confirm(walk_ins=[WALK_IN], reason="half beim Aufräumen"),
                       *a_held_shift(first))
    assert corrected.walk_ins == [WALK_IN] and corrected.reason == "half beim Aufräumen"


# Timesheet lines -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)
MORNING = datetime(2026, 11, 2, 7, tzinfo=UTC)


def a_volunteer_at_a_site(*events):
    return [SiteAdded(site_id=SITE, name="Dorftreff Rieste", village="Rieste"),
            SiteAdded(site_id=OTHER_SITE, name="Dorftreff Gehrde", village="Gehrde"),
            OfferCreated(offer_id=OFFER, site_id=SITE, title="Mittagstisch",
                         category="community"),
            registered(CLAIMED), *events]


def record(**fields):
    values = {"line_id": LINE, "volunteer_id": CLAIMED, "site_id": SITE,
              "activity": "Einkauf für den Mittagstisch", "started_at": MORNING,
              "ended_at": MORNING + timedelta(hours=2), "now": NOW, **fields}
    return RecordHours(**values)


RECORDED = HoursRecorded(volunteer_id=CLAIMED, line_id=LINE, site_id=SITE,
                         activity="Einkauf für den Mittagstisch", started_at=MORNING,
                         ended_at=MORNING + timedelta(hours=2))


def test_a_timesheet_line_goes_to_the_volunteers_stream_and_reads_site_and_offer():
    assert when(HOURS, record(), *a_volunteer_at_a_site()) == [RECORDED]
    assert streams_touched(HOURS, record(offer_id=OFFER)) == [
        f"volunteer-{CLAIMED}", f"site-{SITE}", f"offer-{OFFER}"]


@pytest.mark.parametrize(("fields", "field", "code"), [
    ({"ended_at": NOW + timedelta(minutes=1)}, "ended_at", "in_the_future"),
    ({"ended_at": MORNING + timedelta(hours=14, minutes=1),
      "started_at": MORNING - timedelta(hours=14)}, "ended_at", "too_long"),
    ({"ended_at": MORNING}, "ended_at", "ends_before_start"),
    ({"started_at": MORNING.replace(tzinfo=None)}, "started_at", "no_offset"),
    ({"started_at": MORNING - timedelta(days=800), "ended_at": MORNING - timedelta(days=799,
                                                                                 hours=23)},
     "started_at", "out_of_window"),
    ({"activity": "  "}, "activity", "blank"),
    ({"offer_id": uuid4()}, "offer_id", "offer_not_found"),
    ({"volunteer_id": uuid4()}, "volunteer_id", "volunteer_not_found"),
])
def test_a_line_lies_in_the_past_holds_at_most_14_hours_and_names_what_exists(
        fields, field, code):
    with pytest.raises((Invalid, NotFound)) as refused:
        when(HOURS, record(**fields), *a_volunteer_at_a_site())
    assert refused.value.field == field
    assert refused.value.members.get("code") == code


def test_an_offer_of_another_site_is_refused():
    with pytest.raises(Invalid, match="another site"):
        when(HOURS, record(site_id=OTHER_SITE, offer_id=OFFER), *a_volunteer_at_a_site())


def test_a_line_overlapping_another_line_or_a_held_shift_is_refused():
    with pytest.raises(Conflict, match="recorded then"):
        when(HOURS, record(line_id=uuid4(), started_at=MORNING + timedelta(hours=1),
                           ended_at=MORNING + timedelta(hours=3)),
             *a_volunteer_at_a_site(RECORDED))
    held = VolunteerShiftClaimed(volunteer_id=CLAIMED, shift_id=SHIFT, starts_at=MORNING,
                                 ends_at=MORNING + timedelta(hours=1))
    with pytest.raises(Conflict, match="holds a shift"):
        when(HOURS, record(), *a_volunteer_at_a_site(held))


def test_an_erased_volunteer_gets_no_new_lines():
    with pytest.raises(Conflict, match="erased"):
        when(HOURS, record(), *a_volunteer_at_a_site(VolunteerErased(volunteer_id=CLAIMED)))


def correct(**fields):
    values = {"line_id": LINE, "volunteer_id": CLAIMED, "site_id": SITE,
              "activity": "Einkauf", "started_at": MORNING,
              "ended_at": MORNING + timedelta(hours=1), "reason": "Ende war früher",
              "now": NOW, **fields}
    return CorrectHours(**values)


def test_a_correction_replaces_the_line_with_a_reason_or_withdraws_it():
    [corrected] = when(HOURS, correct(), *a_volunteer_at_a_site(RECORDED))
    assert (corrected.ended_at, corrected.reason, corrected.withdrawn) == (
        MORNING + timedelta(hours=1), "Ende war früher", False)
    [withdrawn] = when(HOURS, correct(withdrawn=True, reason="doppelt erfasst"),
                       *a_volunteer_at_a_site(RECORDED))
    assert withdrawn.withdrawn
    # A withdrawn line frees its time.
    assert when(HOURS, record(line_id=uuid4()), *a_volunteer_at_a_site(RECORDED, withdrawn))


def test_a_correction_needs_a_reason_and_an_existing_line():
    with pytest.raises(Invalid) as refused:
        when(HOURS, correct(reason=" "), *a_volunteer_at_a_site(RECORDED))
    assert refused.value.field == "reason"
    with pytest.raises(NotFound) as unknown:
        when(HOURS, correct(line_id=uuid4()), *a_volunteer_at_a_site(RECORDED))
    assert unknown.value.field == "line_id"


def test_recording_the_same_line_twice_is_refused():
    with pytest.raises(Conflict):
        when(HOURS, record(), *a_volunteer_at_a_site(RECORDED))


# Funding settings ------------------------------------------------------------------------------


def settings(**fields):
    values = {"provider": "Samtgemeinde Bersenbrück", "programme": "Soziale Ortsentwicklung",
              "funding_reference": "SG-4711", "eur_per_volunteer_hour": 17.5,
              "valid_from": date(2026, 7, 1), "now": NOW, **fields}
    return ChangeFundingSettings(**values)


def test_settings_are_recorded_in_cents_valid_from_a_day():
    assert when(FUNDING_SETTINGS, settings()) == [FundingSettingsChanged(
        provider="Samtgemeinde Bersenbrück", programme="Soziale Ortsentwicklung",
        funding_reference="SG-4711", cents_per_volunteer_hour=1750,
        valid_from=date(2026, 7, 1))]
    assert streams_touched(FUNDING_SETTINGS, settings()) == ["funding-settings"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"eur_per_volunteer_hour": 15.005}, "eur_per_volunteer_hour"),
    ({"eur_per_volunteer_hour": -1.0}, "eur_per_volunteer_hour"),
    ({"provider": ""}, "provider"),
    ({"funding_reference": "a\nb"}, "funding_reference"),
])
def test_a_rate_has_whole_cents_and_the_texts_are_one_line(fields, field):
    with pytest.raises(Invalid) as refused:
        when(FUNDING_SETTINGS, settings(**fields))
    assert refused.value.field == field
