"""A message leaves with the very bytes the standard library's ``compat32`` writes: the short
cuts of ``workers/mail/smtp.py`` (headers that need no folding, a signed link too long for its
line) and the subject encoded once per text change the cost, not the message."""

from __future__ import annotations

from email._policybase import compat32
from email.header import Header
from uuid import uuid4

import pytest

from projections import unsubscribe
from workers.mail.messages import _header, compose
from workers.mail.smtp import ON_THE_WIRE

pytestmark = pytest.mark.unit

STANDARD = compat32.clone(linesep="\r\n")
LINK = "<https://treffpunkt.example/unsubscribe/" + "a" * 32 + ".claim_confirmed." + "B-" * 22 + ">"


@pytest.mark.parametrize("name, value", [
    ("From", "Treffpunkt <treffpunkt@treffpunkt.example>"),
    ("List-Unsubscribe", LINK),
    ("X-Long", "x" * 75),
    ("X-Long", "x" * 76),
    ("X-Long", "x" * 200),
    ("Content-Type", 'multipart/alternative; boundary="=_' + "0" * 40 + '"'),
    ("X-Spaces", "a; b, c " * 20),
    ("X-Tab", "\t" + "x" * 90),
])
def test_a_header_is_folded_as_compat32_folds_it(name, value):
    assert ON_THE_WIRE.fold_binary(name, value) == STANDARD.fold_binary(name, value)


@pytest.mark.parametrize("text", ["Eingetragen: Küche, Mittwoch, 9. Dezember 2026, 16:00–20:00 Uhr",
                                  "Ви записані: " + "Küche " * 20])
def test_a_subject_is_encoded_as_its_header_would_be(text):
    for _ in range(2):  # the second time from the cache
        assert (ON_THE_WIRE.fold_binary("Subject", _header(text))
                == STANDARD.fold_binary("Subject", Header(text, "utf-8")))


def test_a_confirmation_leaves_as_compat32_writes_it():
    row = {"kind": "claim_confirmed", "language": "de", "key": "1:claim_confirmed:x",
           "shift_id": uuid4(), "volunteer_id": uuid4(),
           "params": {"site": "Dorftreff Gehrde", "title": "Küche", "place": 0,
                      "starts_at": "2026-10-10T09:00:00+02:00",
                      "ends_at": "2026-10-10T13:00:00+02:00"}}
    message = compose(row, "anna@example.org", "Anna Müller", "Dorftreff <t@example.org>",
                      "https://treffpunkt.example",
                      unsubscribe_key=unsubscribe.key_from_secret("test"))
    assert message.as_bytes(policy=ON_THE_WIRE) == message.as_bytes(policy=STANDARD)
