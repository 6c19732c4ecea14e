"""The pages' words in German (first) and English, and which language a request gets.

A language chosen with ``?lang=`` is kept in a cookie; otherwise German, unless the browser
asks only for English.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

LANGUAGES = ("de", "en")
LANGUAGE_COOKIE = "treffpunkt_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "app.name": {"de": "Treffpunkt", "en": "Treffpunkt"},
    "app.tagline": {"de": "Räume und Ehrenamt in den Dorftreffs",
                    "en": "Rooms and volunteering in the village centres"},
    "nav.home": {"de": "Start", "en": "Home"},
    "nav.sign_out": {"de": "Abmelden", "en": "Sign out"},
    "nav.language": {"de": "English", "en": "Deutsch"},
    "sign_in.title": {"de": "Anmelden", "en": "Sign in"},
    "sign_in.email": {"de": "E-Mail", "en": "E-mail"},
    "sign_in.password": {"de": "Passwort", "en": "Password"},
    "sign_in.submit": {"de": "Anmelden", "en": "Sign in"},
    "sign_in.failed": {"de": "E-Mail oder Passwort ist falsch.",
                       "en": "E-mail or password is wrong."},
    "sign_in.throttled": {"de": "Zu viele Versuche. Bitte in {seconds} Sekunden erneut versuchen.",
                          "en": "Too many attempts. Please try again in {seconds} seconds."},
    "signed_out": {"de": "Sie sind abgemeldet.", "en": "You are signed out."},
    "home.greeting": {"de": "Willkommen", "en": "Welcome"},
    "role.admin": {"de": "Verwaltung", "en": "Administrator"},
    "role.coordinator": {"de": "Koordination", "en": "Coordinator"},
    "role.volunteer": {"de": "Ehrenamtliche·r", "en": "Volunteer"},
    "role.auditor": {"de": "Prüfung", "en": "Auditor"},
    "error.title": {"de": "Das hat nicht geklappt", "en": "That did not work"},
    "error.forbidden": {"de": "Dafür fehlt Ihnen die Berechtigung.",
                        "en": "You are not allowed to do this."},
    # The coordinator's pages
    "coordinator.sites": {"de": "Standorte", "en": "Sites"},
    "coordinator.no_sites": {"de": "Ihrem Konto ist kein Standort zugeordnet.",
                             "en": "No site is assigned to your account."},
    "coordinator.no_site": {"de": "Diesen Standort gibt es nicht.",
                            "en": "There is no such site."},
    "week.title": {"de": "Wochenansicht", "en": "Week view"},
    "week.of": {"de": "Woche {start}–{end}", "en": "Week {start}–{end}"},
    "week.previous": {"de": "Vorige Woche", "en": "Previous week"},
    "week.next": {"de": "Nächste Woche", "en": "Next week"},
    "week.navigation": {"de": "Wochen blättern", "en": "Browse weeks"},
    "week.free": {"de": "frei", "en": "free"},
    "week.cancelled": {"de": "abgesagt", "en": "cancelled"},
    "week.no_rooms": {"de": "Dieser Standort hat noch keine Räume.",
                      "en": "This site has no rooms yet."},
    "weekday.0": {"de": "Mo", "en": "Mon"},
    "weekday.1": {"de": "Di", "en": "Tue"},
    "weekday.2": {"de": "Mi", "en": "Wed"},
    "weekday.3": {"de": "Do", "en": "Thu"},
    "weekday.4": {"de": "Fr", "en": "Fri"},
    "weekday.5": {"de": "Sa", "en": "Sat"},
    "weekday.6": {"de": "So", "en": "Sun"},
    "kind.booking": {"de": "Buchung", "en": "Booking"},
    "kind.session": {"de": "Angebot", "en": "Offer"},
    "kind.training": {"de": "Schulung", "en": "Training"},
    "booking.title": {"de": "Raum buchen", "en": "Book a room"},
    "booking.room": {"de": "Raum", "en": "Room"},
    "booking.capacity": {"de": "{capacity} Plätze", "en": "{capacity} places"},
    "booking.what": {"de": "Wofür", "en": "What for"},
    "booking.date": {"de": "Datum", "en": "Date"},
    "booking.start": {"de": "Beginn", "en": "Start"},
    "booking.end": {"de": "Ende", "en": "End"},
    "booking.weekly": {"de": "Jede Woche wiederholen", "en": "Repeat every week"},
    "booking.until": {"de": "Wiederholen bis", "en": "Repeat until"},
    "booking.until_hint": {"de": "Nur bei wöchentlicher Buchung; höchstens zwei Jahre.",
                           "en": "Only for a weekly booking; two years at most."},
    "booking.submit": {"de": "Buchen", "en": "Book"},
    "booking.done": {"de": "Gebucht: {count} Termin(e).", "en": "Booked: {count} date(s)."},
    "booking.conflicts": {
        "de": "Der Raum ist zu {count} Zeit(en) schon belegt. Nichts wurde gebucht:",
        "en": "The room is already taken at {count} time(s). Nothing was booked:"},
    "booking.ends_before_start": {"de": "Das Ende muss nach dem Beginn liegen.",
                                  "en": "The end must be after the start."},
    "booking.until_before_start": {"de": "Das Enddatum liegt vor dem ersten Termin.",
                                   "en": "This date is before the first date."},
    "booking.beyond_horizon": {"de": "Eine Serie darf höchstens zwei Jahre dauern.",
                               "en": "A series may last two years at most."},
    "booking.too_many": {"de": "Eine Serie darf höchstens 500 Termine haben.",
                         "en": "A series may have 500 dates at most."},
    "booking.no_occurrences": {"de": "Die Serie hat keinen Termin.",
                               "en": "The series has no date."},
    "booking.series_overlaps": {"de": "Die Termine der Serie überschneiden sich.",
                                "en": "The dates of the series overlap."},
    "booking.no_room": {"de": "Bitte einen Raum dieses Standorts wählen.",
                        "en": "Please choose a room of this site."},
    "refreshers.title": {"de": "Auffrischung nötig", "en": "Refresher needed"},
    "refreshers.explained": {
        "de": "Qualifikationen dieses Standorts, die in den nächsten {days} Tagen ablaufen "
              "oder in den letzten {days} Tagen abgelaufen sind.",
        "en": "Qualifications of this site that run out in the next {days} days "
              "or ran out in the last {days} days."},
    "refreshers.valid_until": {"de": "gültig bis {date}", "en": "valid until {date}"},
    "refreshers.expired_on": {"de": "abgelaufen am {date}", "en": "expired on {date}"},
    "refreshers.none": {"de": "Niemand braucht gerade eine Auffrischung.",
                        "en": "Nobody needs a refresher right now."},
    "refreshers.erased": {"de": "gelöscht", "en": "erased"},
    "form.required": {"de": "Bitte ausfüllen.", "en": "Please fill this in."},
    "form.too_long": {"de": "Höchstens 200 Zeichen.", "en": "200 characters at most."},
    "form.control_characters": {"de": "Bitte ohne Steuerzeichen (und in einer Zeile).",
                                "en": "Please leave out control characters (and line breaks)."},
    "form.date_invalid": {"de": "Bitte ein Datum angeben (TT.MM.JJJJ).",
                          "en": "Please give a date."},
    "form.time_invalid": {"de": "Bitte eine Uhrzeit angeben (SS:MM).",
                          "en": "Please give a time (HH:MM)."},
    "form.time_skipped": {"de": "Diese Uhrzeit gibt es wegen der Zeitumstellung nicht.",
                          "en": "This time does not exist because of the clock change."},
}


def language_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    asked = connection.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = connection.cookies.get(LANGUAGE_COOKIE)
    if kept in LANGUAGES:
        return kept
    accept = connection.headers.get("accept-language", "").lower()
    return "en" if accept.startswith("en") and "de" not in accept else "de"


def translator(language: str):  # type: ignore[no-untyped-def]
    def translate(key: str, **values: Any) -> str:
        text = MESSAGES.get(key, {}).get(language) or MESSAGES.get(key, {}).get("de") or key
        return text.format(**values) if values else text

    return translate


# The volunteer's and the auditor's pages, and the start page of each role.
MESSAGES.update({
    "nav.open_shifts": {"de": "Offene Schichten", "en": "Open shifts"},
    "nav.my_shifts": {"de": "Meine Schichten", "en": "My shifts"},
    "nav.my_trainings": {"de": "Schulungen", "en": "Trainings"},
    "nav.report": {"de": "Verwendungsnachweis", "en": "Funding report"},
    "nav.changes": {"de": "Änderungen", "en": "Changes"},
    "nav.verify": {"de": "Prüfung der Historie", "en": "History check"},
    "nav.week": {"de": "Wochenansicht", "en": "Week view"},
    "home.start": {"de": "Was möchten Sie tun?", "en": "What would you like to do?"},
    "home.volunteer.shifts": {"de": "Offene Schichten ansehen und übernehmen",
                              "en": "See and claim open shifts"},
    "home.volunteer.mine": {"de": "Meine Schichten und Kalender-Abo",
                            "en": "My shifts and calendar feed"},
    "home.volunteer.trainings": {"de": "Meine Schulungen und Qualifikationen",
                                 "en": "My trainings and qualifications"},
    "home.coordinator.week": {"de": "Wochenansicht der Räume und Schichten",
                              "en": "Week view of rooms and shifts"},
    "home.auditor.report": {"de": "Verwendungsnachweis mit Diagramm und Downloads",
                            "en": "Funding report with chart and downloads"},
    "home.auditor.changes": {"de": "Änderungen zwischen zwei Zeitpunkten",
                             "en": "Changes between two instants"},
    "home.auditor.verify": {"de": "Unverändertheit der Historie prüfen",
                            "en": "Verify that the history is unchanged"},
    "shifts.title": {"de": "Offene Schichten", "en": "Open shifts"},
    "shifts.intro": {"de": "Schichten der nächsten {days} Tage. Ist eine voll, kommen Sie auf "
                           "die Warteliste und rücken nach, sobald ein Platz frei wird.",
                     "en": "Shifts of the next {days} days. When one is full you join its "
                           "waitlist and move up as soon as a place frees up."},
    "shifts.village": {"de": "Ort", "en": "Village"},
    "shifts.all_villages": {"de": "Alle Orte", "en": "All villages"},
    "shifts.filter": {"de": "Anzeigen", "en": "Show"},
    "shifts.none": {"de": "In diesem Zeitraum gibt es keine Schichten.",
                    "en": "There are no shifts in this period."},
    "shifts.places": {"de": "{claimed} von {capacity} Plätzen belegt",
                      "en": "{claimed} of {capacity} places taken"},
    "shifts.waitlist": {"de": "{count} auf der Warteliste", "en": "{count} on the waitlist"},
    "shifts.full": {"de": "Voll", "en": "Full"},
    "shifts.needs": {"de": "Benötigt:", "en": "Requires:"},
    "shifts.claim": {"de": "Übernehmen", "en": "Claim"},
    "shifts.join_waitlist": {"de": "Auf die Warteliste", "en": "Join the waitlist"},
    "shifts.claim_label": {"de": "{title} am {day}, {time} übernehmen",
                           "en": "Claim {title} on {day}, {time}"},
    "shifts.waitlist_label": {"de": "Auf die Warteliste für {title} am {day}, {time}",
                              "en": "Join the waitlist of {title} on {day}, {time}"},
    "shifts.yours": {"de": "Das ist Ihre Schicht.", "en": "This is your shift."},
    "shifts.you_wait": {"de": "Sie stehen auf der Warteliste.",
                        "en": "You are on the waitlist."},
    "my.title": {"de": "Meine Schichten", "en": "My shifts"},
    "my.none": {"de": "Sie haben keine kommenden Schichten.",
                "en": "You have no upcoming shifts."},
    "my.claimed": {"de": "Zugesagt", "en": "Claimed"},
    "my.waitlisted": {"de": "Warteliste", "en": "Waitlist"},
    "my.release": {"de": "Absagen", "en": "Release"},
    "my.leave_waitlist": {"de": "Warteliste verlassen", "en": "Leave the waitlist"},
    "my.release_label": {"de": "{title} am {day} absagen", "en": "Release {title} on {day}"},
    "done.claimed": {"de": "Die Schicht gehört jetzt Ihnen. Danke!",
                     "en": "The shift is yours now. Thank you!"},
    "done.waitlisted": {"de": "Die Schicht ist voll: Sie stehen auf der Warteliste und rücken "
                              "nach, sobald ein Platz frei wird.",
                        "en": "The shift is full: you are on the waitlist and move up as soon "
                              "as a place frees up."},
    "done.released": {"de": "Sie haben die Schicht abgegeben.",
                      "en": "You have released the shift."},
    "feed.title": {"de": "Kalender-Abo", "en": "Calendar feed"},
    "feed.intro": {"de": "Mit diesem Link zeigt Ihre Kalender-App Ihre Schichten. Geben Sie "
                         "ihn nicht weiter: Wer ihn kennt, sieht Ihre Schichten.",
                   "en": "With this link your calendar app shows your shifts. Keep it to "
                         "yourself: whoever has it sees your shifts."},
    "feed.label": {"de": "Link zum Kalender-Abo", "en": "Calendar feed link"},
    "feed.copy": {"de": "Link kopieren", "en": "Copy link"},
    "feed.copied": {"de": "Link kopiert.", "en": "Link copied."},
    "trainings.title": {"de": "Meine Schulungen", "en": "My trainings"},
    "trainings.qualifications": {"de": "Qualifikationen", "en": "Qualifications"},
    "trainings.no_qualifications": {"de": "Noch keine Qualifikationen.",
                                    "en": "No qualifications yet."},
    "trainings.valid_until": {"de": "gültig bis {day}", "en": "valid until {day}"},
    "trainings.expired": {"de": "abgelaufen am {day}", "en": "expired on {day}"},
    "trainings.trainings": {"de": "Schulungen", "en": "Trainings"},
    "trainings.none": {"de": "Noch keine Schulungen.", "en": "No trainings yet."},
    "trainings.status.planned": {"de": "geplant", "en": "planned"},
    "trainings.status.completed": {"de": "abgeschlossen", "en": "completed"},
    "trainings.status.cancelled": {"de": "abgesagt", "en": "cancelled"},
    "trainings.attended": {"de": "teilgenommen", "en": "attended"},
    "trainings.enrolled": {"de": "angemeldet", "en": "enrolled"},
    "rejected.shift_started": {"de": "Die Schicht hat schon begonnen.",
                               "en": "The shift has already begun."},
    "rejected.already_claimed": {"de": "Diese Schicht haben Sie schon übernommen.",
                                 "en": "You already hold this shift."},
    "rejected.already_waitlisted": {"de": "Sie stehen schon auf der Warteliste dieser Schicht.",
                                    "en": "You are already on this shift's waitlist."},
    "rejected.qualification_missing": {
        "de": "Für diese Schicht fehlt Ihnen eine am Schichttag gültige Qualifikation: "
              "{missing}.",
        "en": "This shift needs a qualification you will not hold (valid) on its day: "
              "{missing}."},
    "rejected.overlapping_shift": {"de": "Zur selben Zeit haben Sie schon eine andere Schicht.",
                                   "en": "You already hold another shift at the same time."},
    "rejected.no_claim": {"de": "Auf dieser Schicht haben Sie keinen Platz.",
                          "en": "You hold no place on this shift."},
    "rejected.shift_not_found": {"de": "Diese Schicht gibt es nicht.",
                                 "en": "There is no such shift."},
    "rejected.busy": {"de": "Die Anzeige ist gerade nicht aktuell. Bitte laden Sie die Seite "
                            "gleich noch einmal.",
                      "en": "The page is not up to date just now. Please reload it shortly."},
    "rejected.other": {"de": "Das hat nicht geklappt. Bitte versuchen Sie es noch einmal.",
                       "en": "That did not work. Please try again."},
    "form.invalid_field": {"de": "Bitte prüfen Sie das Feld „{field}“.",
                           "en": "Please check the field “{field}”."},
    "field.from": {"de": "Von (Tag)", "en": "From (day)"},
    "field.to": {"de": "Bis (Tag)", "en": "To (day)"},
    "field.as_of": {"de": "Stand", "en": "As of"},
    "field.site_id": {"de": "Standort", "en": "Site"},
    "field.since": {"de": "Seit", "en": "Since"},
    "field.until": {"de": "Bis", "en": "Until"},
    "field.format": {"de": "Format", "en": "Format"},
    "report.title": {"de": "Verwendungsnachweis", "en": "Funding report"},
    "report.as_of_hint": {"de": "Leer lassen für jetzt. Ein früherer Zeitpunkt zeigt die Zahlen, "
                                "wie sie damals erfasst waren.",
                          "en": "Leave empty for now. An earlier instant shows the figures as "
                                "they were recorded then."},
    "report.all_sites": {"de": "Alle Standorte", "en": "All sites"},
    "report.show": {"de": "Anzeigen", "en": "Show"},
    "report.as_of_note": {"de": "Stand {moment} · Ledger-Kopf {seq} · {events} Ereignisse",
                          "en": "As of {moment} · ledger head {seq} · {events} events"},
    "report.download_csv": {"de": "CSV herunterladen", "en": "Download CSV"},
    "report.download_pdf": {"de": "PDF herunterladen", "en": "Download PDF"},
    "report.chart": {"de": "Besucher und Termine je Monat", "en": "Visitors and sessions per month"},
    "report.chart_alt": {"de": "Säulendiagramm: Besucher und durchgeführte Termine je Monat; "
                               "die Zahlen stehen in der Tabelle darunter.",
                         "en": "Bar chart: visitors and sessions held per month; the figures "
                               "are in the table below."},
    "report.chart_table": {"de": "Die Zahlen des Diagramms", "en": "The chart's figures"},
    "report.month": {"de": "Monat", "en": "Month"},
    "report.no_months": {"de": "In diesem Zeitraum fanden keine Termine statt.",
                         "en": "No sessions were held in this period."},
    "report.offer": {"de": "Angebot", "en": "Offer"},
    "report.site_extra": {"de": "Schulungen: {trainings} · Schulungsteilnahmen: {participants} "
                                "· Ehrenamtsstunden ohne Angebot: {hours}",
                          "en": "Trainings: {trainings} · training participants: {participants} "
                                "· volunteer hours without an offer: {hours}"},
    "report.none": {"de": "In diesem Zeitraum gibt es keine Zahlen.",
                    "en": "There are no figures for this period."},
    "figure.sessions_held": {"de": "Termine durchgeführt", "en": "Sessions held"},
    "figure.sessions_cancelled": {"de": "Termine ausgefallen", "en": "Sessions cancelled"},
    "figure.visitors": {"de": "Besucher", "en": "Visitors"},
    "figure.volunteer_hours": {"de": "Ehrenamtsstunden", "en": "Volunteer hours"},
    "figure.trainings_held": {"de": "Schulungen", "en": "Trainings held"},
    "figure.training_participants": {"de": "Schulungsteilnahmen",
                                     "en": "Training participants"},
    "category.movement": {"de": "Bewegungs- und Mobilitätsförderung",
                          "en": "Movement and mobility"},
    "category.mental_health": {"de": "Psychische Gesundheit", "en": "Mental health"},
    "category.civic_engagement": {"de": "Bürgerschaftliches Engagement",
                                  "en": "Civic engagement"},
    "category.participation": {"de": "Soziale Teilhabe", "en": "Social participation"},
    "category.community": {"de": "Gemeinwesenarbeit, Nachbarschaft",
                           "en": "Community work, neighbourhood"},
    "changes.title": {"de": "Änderungen zwischen zwei Zeitpunkten",
                      "en": "Changes between two instants"},
    "changes.intro": {"de": "Welche Zahlen des Zeitraums sich zwischen zwei Zeitpunkten "
                            "geändert haben, und durch welche Ereignisse.",
                      "en": "Which figures of the period changed between two instants, and "
                            "through which events."},
    "changes.until_hint": {"de": "Leer lassen für jetzt.", "en": "Leave empty for now."},
    "changes.between": {"de": "Von {since} bis {until}", "en": "From {since} to {until}"},
    "changes.none": {"de": "Keine Änderungen.", "en": "No changes."},
    "changes.causes": {"de": "{count} verursachende Ereignisse",
                       "en": "{count} causing events"},
    "verify.title": {"de": "Prüfung der Historie", "en": "History check"},
    "verify.intro": {"de": "Jeder Hash jedes Ereignisses und die Kette des Ledgers werden neu "
                           "berechnet.",
                     "en": "Every event's hash and the ledger's chain are computed anew."},
    "verify.ok": {"de": "Die Historie ist unverändert: {count} Ereignisse geprüft.",
                  "en": "The history is unchanged: {count} events checked."},
    "verify.bad": {"de": "Die Historie wurde verändert: erste fehlerhafte Position {position}.",
                   "en": "The history was altered: first bad position {position}."},
    "verify.checked_at": {"de": "Geprüft am", "en": "Checked at"},
    "verify.events": {"de": "Ereignisse", "en": "Events"},
    "verify.head": {"de": "Ledger-Kopf", "en": "Ledger head"},
    "verify.unsealed": {"de": "(noch nicht versiegelt)", "en": "(not sealed yet)"},
    "verify.again": {"de": "Erneut prüfen", "en": "Check again"},
    "figure.short.sessions_held": {"de": "Termine", "en": "Held"},
    "figure.short.sessions_cancelled": {"de": "Ausfälle", "en": "Cancelled"},
    "figure.short.volunteer_hours": {"de": "Std.", "en": "Hours"},
    "qualification.food_hygiene": {"de": "Lebensmittelhygiene", "en": "Food hygiene"},
    "qualification.first_aid": {"de": "Erste Hilfe", "en": "First aid"},
})


# The coordinator's attendance page.
MESSAGES.update({
    "attendance.title": {"de": "Besucherzahlen", "en": "Visitor counts"},
    "attendance.explained": {
        "de": "Termine der letzten {days} Tage, die stattgefunden haben. Eine zweite Zahl "
              "ist eine Korrektur und braucht einen Grund.",
        "en": "Sessions held in the last {days} days. A second count is a correction and "
              "needs a reason."},
    "attendance.unrecorded": {"de": "Noch ohne Zahl", "en": "Not counted yet"},
    "attendance.recorded": {"de": "Erfasst", "en": "Counted"},
    "attendance.none_unrecorded": {"de": "Alle Termine sind erfasst.",
                                   "en": "Every session is counted."},
    "attendance.none_recorded": {"de": "Noch keine Zahlen erfasst.",
                                 "en": "No counts recorded yet."},
    "attendance.counted": {"de": "{count} Besucher", "en": "{count} visitors"},
    "attendance.visitors": {"de": "Besucher", "en": "Visitors"},
    "attendance.reason": {"de": "Grund der Korrektur", "en": "Reason for the correction"},
    "attendance.record": {"de": "Erfassen", "en": "Record"},
    "attendance.correct": {"de": "Korrigieren", "en": "Correct"},
    "attendance.done": {"de": "Gespeichert.", "en": "Saved."},
    "attendance.nothing_stored": {"de": "Nichts gespeichert:", "en": "Nothing stored:"},
    "attendance.reason_required": {"de": "Eine Korrektur braucht einen Grund.",
                                   "en": "A correction needs a reason."},
    "attendance.visitors_invalid": {"de": "Bitte eine ganze Zahl ab 0 angeben.",
                                    "en": "Please give a whole number from 0."},
    "attendance.not_held_yet": {"de": "Dieser Termin hat noch nicht begonnen.",
                                "en": "This session has not begun yet."},
    "attendance.cancelled": {"de": "Dieser Termin wurde abgesagt.",
                             "en": "This session was cancelled."},
    "attendance.no_occurrence": {"de": "Diesen Termin gibt es an diesem Standort nicht.",
                                 "en": "There is no such session at this site."},
})


# The coordinator's planning page (shifts and trainings).
MESSAGES.update({
    "plan.title": {"de": "Schichten und Schulungen planen", "en": "Plan shifts and trainings"},
    "plan.shift": {"de": "Schicht planen", "en": "Plan a shift"},
    "plan.shift_title": {"de": "Aufgabe", "en": "Task"},
    "plan.capacity": {"de": "Plätze", "en": "Places"},
    "plan.qualifications": {"de": "Nötige Qualifikationen", "en": "Required qualifications"},
    "plan.qualifications_hint": {"de": "Mit Komma getrennt, z. B. food_hygiene; leer: keine.",
                                 "en": "Separated by commas, e.g. food_hygiene; empty: none."},
    "plan.session": {"de": "Zu einem Angebot (optional)", "en": "For an offer (optional)"},
    "plan.no_session_chosen": {"de": "– keinem –", "en": "– none –"},
    "plan.next": {"de": "nächster Termin {date}", "en": "next on {date}"},
    "plan.shift_submit": {"de": "Schicht anlegen", "en": "Create shift"},
    "plan.shift_done": {"de": "Die Schicht ist angelegt.", "en": "The shift is planned."},
    "plan.training": {"de": "Schulung planen", "en": "Plan a training"},
    "plan.training_title": {"de": "Titel", "en": "Title"},
    "plan.qualification": {"de": "Vermittelte Qualifikation", "en": "Qualification taught"},
    "plan.valid_for_months": {"de": "Gültig (Monate)", "en": "Valid for (months)"},
    "plan.training_submit": {"de": "Schulung planen und Raum buchen",
                             "en": "Plan and book the room"},
    "plan.number_invalid": {"de": "Bitte eine ganze Zahl ab 1 angeben.",
                            "en": "Please give a whole number from 1."},
    "plan.qualification_too_long": {"de": "Höchstens 100 Zeichen je Qualifikation.",
                                    "en": "100 characters at most per qualification."},
    "plan.no_session": {"de": "Bitte ein Angebot dieses Standorts wählen.",
                        "en": "Please choose an offer of this site."},
})


# Cancelling from the coordinator's week view.
MESSAGES.update({
    "cancel.one": {"de": "Absagen", "en": "Cancel"},
    "cancel.series": {"de": "Ganze Serie absagen", "en": "Cancel the series"},
    "cancel.one_named": {"de": "{title} am {when} absagen", "en": "Cancel {title} on {when}"},
    "cancel.series_named": {"de": "Alle künftigen Termine von {title} absagen",
                            "en": "Cancel every coming date of {title}"},
    "cancel.done": {"de": "Abgesagt: {count} Termin(e).", "en": "Cancelled: {count} date(s)."},
    "cancel.unknown": {"de": "Diesen Termin gibt es hier nicht.",
                       "en": "There is no such date here."},
    "cancel.already_cancelled": {"de": "Dieser Termin ist schon abgesagt.",
                                 "en": "This date is cancelled already."},
    "cancel.already_started": {"de": "Dieser Termin hat schon begonnen.",
                               "en": "This date has started already."},
    "cancel.nothing_to_cancel": {"de": "Von dieser Serie steht kein Termin mehr aus.",
                                 "en": "No date of this series is still ahead."},
    "cancel.not_found": {"de": "Diesen Termin gibt es hier nicht.",
                         "en": "There is no such date here."},
})
