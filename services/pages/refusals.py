"""Why a form's command was refused, in the page's words: one table for every page.

A decider's refusal carries a ``code`` and the ``field`` it concerns. The words for it are found
by code and field first (where one code means different things for different fields), then by
code alone; a refusal without words of its own shows the decider's message.
"""

from __future__ import annotations

from collections.abc import Callable

from services.commands.rejections import Rejection

WORDS: dict[str, str] = {
    # code, or "code@field" (the field's beginning): the i18n key of its words
    "blank": "form.required",
    "unchanged@title": "offers.unchanged",
    # the qualification catalogue
    "exists@code": "qualifications.unchanged",
    "too_long@default_valid_for_months": "qualifications.months_invalid",
    "not_positive@default_valid_for_months": "qualifications.months_invalid",
    "too_long@required_qualifications": "plan.qualification_too_long",
    "too_long@qualification": "plan.qualification_too_long",
    "too_long": "form.too_long",
    "control_characters": "form.control_characters",
    "ends_before_start": "booking.ends_before_start",
    "beyond_horizon": "booking.beyond_horizon",
    "out_of_window@starts_at": "booking.out_of_window",
    "too_many_occurrences": "booking.too_many",
    "no_occurrences": "booking.no_occurrences",
    "occurrences_overlap": "booking.series_overlaps",
    "room_not_found": "booking.no_room",
    "other_site@room_id": "booking.no_room",
    "other_site@session_id": "plan.no_session",
    "session_not_found": "plan.no_session",
    "not_positive@capacity": "plan.number_invalid",
    "unknown_qualification": "plan.unknown_qualification",
    "not_positive@valid_for_months": "plan.number_invalid",
    # cancelling an occurrence or a series
    "already_cancelled@occurrence": "cancel.already_cancelled",
    "already_started@occurrence": "cancel.already_started",
    "nothing_to_cancel": "cancel.nothing_to_cancel",
    "not_found@occurrence": "cancel.not_found",
    "not_found@booking_id": "cancel.unknown",
    "public_reason_required@reason": "cancel.public_reason_required",
    # counting visitors
    "reason_required@reason": "attendance.reason_required",
    "not_held_yet@occurrence_starts_at": "attendance.not_held_yet",
    "cancelled@occurrence_starts_at": "attendance.cancelled",
    "not_found@occurrence_starts_at": "attendance.no_occurrence",
    "negative@visitors": "attendance.visitors_invalid",
    "exceeds_visitors@breakdown": "attendance.breakdown_exceeds",
    # a volunteer's claims
    "shift_started": "rejected.shift_started",
    "already_claimed": "rejected.already_claimed",
    "already_waitlisted": "rejected.already_waitlisted",
    "qualification_missing": "rejected.qualification_missing",
    "overlapping_shift": "rejected.overlapping_shift",
    "no_claim": "rejected.no_claim",
    "shift_not_found": "rejected.shift_not_found",
    "site_not_found@site_ids": "rejected.site_not_found",
    # handing a shift over
    "handover_taken": "rejected.handover_taken",
    "handover_closed": "rejected.handover_closed",
    "handover_withdrawn": "rejected.handover_withdrawn",
    "not_offered_to_you": "rejected.not_offered_to_you",
    "to_self": "rejected.to_self",
    "cancelled@shift_id": "rejected.cancelled",
    # a volunteer's notification settings
    "unknown_language@language": "notify.language_invalid",
    "out_of_range@reminder_hours_before": "notify.reminder_invalid",
    "unknown_kind@off": "notify.kind_invalid",
    # joining and leaving trainings
    "full@training_id": "rejected.full",
    "already_enrolled": "rejected.already_enrolled",
    "training_started": "rejected.training_started",
    "not_enrolled@volunteer_id": "rejected.not_enrolled",
}


ON_BEHALF: dict[str, str] = {
    # a coordinator acting for a volunteer: the refusal speaks of the volunteer, not of "you"
    "already_claimed": "roster.already_claimed",
    "already_waitlisted": "roster.already_waitlisted",
    "qualification_missing": "roster.qualification_missing",
    "overlapping_shift@walk_ins": "served.walk_in_overlapping",
    "overlapping_shift": "roster.overlapping_shift",
    "no_claim": "roster.no_claim",
    "volunteer_not_found": "roster.no_volunteer",
    "claimed@walk_ins": "served.walk_in_holds",
    "not_claimed@present": "served.not_claimed",
    "reason_required@reason": "served.reason_required",
    "out_of_window@times": "served.out_of_window",
    "in_the_future@times": "served.in_the_future",
    "too_long@times": "served.too_long",
    "not_held_yet@shift_id": "served.not_held_yet",
    # timesheet lines
    "in_the_future@ended_at": "hours.in_the_future",
    "too_long@ended_at": "hours.too_long",
    "out_of_window@started_at": "hours.too_far_back",
    "overlapping_hours": "hours.overlapping_hours",
    "overlapping_shift@started_at": "hours.overlapping_shift",
    "erased": "roster.no_volunteer",
    # trainings
    "already_enrolled": "trainings.already_enrolled",
    "full": "trainings.is_full",
    "training_started": "trainings.started",
    "not_enrolled": "trainings.not_enrolled",
    "not_held_yet": "trainings.not_held_yet",
    "completed@training_id": "trainings.already_completed",
    "cancelled@training_id": "trainings.was_cancelled",
}


def words_of(rejection: Rejection, *, on_behalf: bool = False) -> str | None:
    """The i18n key of a refusal's words, if the pages have words of their own for it;
    ``on_behalf``: as a coordinator reads it who acted for a volunteer."""
    code = str(rejection.members.get("code", ""))
    tables = (ON_BEHALF, WORDS) if on_behalf else (WORDS,)
    for key, words in (item for table in tables for item in table.items()):
        wanted, _, field = key.partition("@")
        if wanted == code and rejection.field.startswith(field):
            return words
    return None


def refusal_message(rejection: Rejection, translate: Callable[..., str], *,
                    on_behalf: bool = False, **values: str) -> str:
    """What to show beside the field a refusal concerns."""
    key = words_of(rejection, on_behalf=on_behalf)
    return translate(key, **values) if key else rejection.message
