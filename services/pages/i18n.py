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
