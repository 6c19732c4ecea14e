"""Every kind of e-mail has its words in German and English, and a cancellation without a
reason (a session called off without one) does not print an empty "Grund: ."."""

from __future__ import annotations

from uuid import uuid4

import pytest

from projections.notifier import KINDS
from tests.mail import on_the_wire
from workers.mail.messages import LANGUAGES, compose

pytestmark = pytest.mark.unit

PARAMS = {"site": "Dorftreff Gehrde", "title": "Küche", "starts_at": "2026-10-10T09:00:00+02:00",
          "ends_at": "2026-10-10T13:00:00+02:00", "place": 2, "reason": "Wasserschaden",
          "handover_id": str(uuid4())}


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
    assert f"{kind}.body" not in text and "Küche" in text
    assert "https://treffpunkt.example/volunteer/" in text


def test_a_cancellation_without_a_reason_says_the_session_was_called_off():
    text = a_message("shift_cancelled", "de", reason="").get_body(("plain",)).get_content()
    assert "Grund" not in text and "weil der Termin abgesagt wurde" in text


def test_a_handover_offer_links_to_the_offers_page():
    text = a_message("handover_offered", "en").get_body(("plain",)).get_content()
    assert "https://treffpunkt.example/volunteer/handovers" in text
