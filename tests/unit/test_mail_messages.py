"""Every kind of e-mail has its words in German, English and Ukrainian (every message of the
German catalogue, with the same placeholders), and a cancellation without a reason (a session
called off without one) does not print an empty "Grund: ."."""

from __future__ import annotations

import re
from uuid import uuid4

import pytest
from babel.messages.pofile import read_po

from projections.notifier import KINDS, QUALIFICATION_EXPIRING
from tests.mail import on_the_wire
from workers.mail.messages import HERE, LANGUAGES, compose

pytestmark = pytest.mark.unit

PARAMS = {"site": "Dorftreff Gehrde", "title": "Küche", "starts_at": "2026-10-10T09:00:00+02:00",
          "ends_at": "2026-10-10T13:00:00+02:00", "place": 2, "reason": "Wasserschaden",
          "handover_id": str(uuid4()), "qualification": "food_hygiene",
          "names": {"de": "Hygieneschulung", "en": "Food hygiene"},
          "valid_until": "2026-11-01T00:00:00+01:00"}


def a_message(kind: str, language: str, **params):
    row = {"kind": kind, "language": language, "key": f"1:{kind}:x", "shift_id": uuid4(),
           "params": {**PARAMS, **params}}
    return on_the_wire(compose(row, "anna@example.org", "Anna", "Dorftreff <t@example.org>",
                   "https://treffpunkt.example"))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_its_subject_and_body_in_each_language(kind, language):
    message = a_message(kind, language)
    text = message.get_body(("plain",)).get_content()
    assert not message["Subject"].startswith(kind), message["Subject"]
    shown = "Food hygiene" if language == "en" else "Hygieneschulung"
    assert f"{kind}.body" not in text
    assert ("Küche" if kind != QUALIFICATION_EXPIRING else shown) in text
    assert "https://treffpunkt.example/volunteer/" in text


def test_a_cancellation_without_a_reason_says_the_session_was_called_off():
    text = a_message("shift_cancelled", "de", reason="").get_body(("plain",)).get_content()
    assert "Grund" not in text and "weil der Termin abgesagt wurde" in text


def test_a_handover_offer_links_to_the_offers_page():
    text = a_message("handover_offered", "en").get_body(("plain",)).get_content()
    assert "https://treffpunkt.example/volunteer/handovers" in text


@pytest.mark.parametrize("language, link", [("de", "Andere Angebote ansehen"),
                                            ("en", "See other offers"),
                                            ("uk", "Переглянути інші пропозиції")])
def test_a_withdrawn_offer_says_so_and_links_to_the_other_offers(language, link):
    message = a_message("handover_withdrawn", language)
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].startswith(
        {"de": "Angebot zurückgezogen: Küche", "en": "Offer withdrawn: Küche",
         "uk": "Пропозицію відкликано: Küche"}[language])
    assert f"{link}\nhttps://treffpunkt.example/volunteer/handovers" in text
    assert message.get_content_type() == "multipart/alternative"  # nothing for the calendar


def mail_catalogue(language: str) -> dict[str, str]:
    with (HERE / "locale" / language / "LC_MESSAGES" / "mail.po").open("rb") as file:
        return {message.id: message.string for message in read_po(file) if message.id}


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", text))


@pytest.mark.parametrize("language", ["en", "uk"])
def test_every_german_mail_message_has_words_with_the_same_placeholders(language):
    german, other = mail_catalogue("de"), mail_catalogue(language)
    assert sorted(msgid for msgid in german if not other.get(msgid)) == []
    assert {msgid: placeholders(other[msgid]) for msgid in german} == {
        msgid: placeholders(text) for msgid, text in german.items()}


def test_a_ukrainian_volunteer_is_written_to_in_ukrainian():
    assert "uk" in LANGUAGES
    message = a_message("claim_confirmed", "uk")
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].startswith("Ви записані: Küche, ")
    assert message["Content-Language"] == "uk"
    assert "Доброго дня, Anna!" in text and "у Dorftreff Gehrde" in text
    assert "З повагою, команда Dorftreff Gehrde" in text
