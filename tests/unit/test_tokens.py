from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from services.auth import tokens

pytestmark = pytest.mark.unit
KEY = b"k" * 32
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def principal():
    return tokens.new_principal(uuid4(), "coordinator", [uuid4()], None, NOW)


def test_a_token_reads_back_as_its_principal_until_it_expires():
    issued = principal()
    token = tokens.issue(KEY, issued)
    assert tokens.read(KEY, token, now=NOW) == issued
    with pytest.raises(tokens.InvalidToken, match="expired"):
        tokens.read(KEY, token, now=NOW + tokens.TOKEN_LIFETIME + timedelta(seconds=1))


@pytest.mark.parametrize("forge", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: t.replace(t.split(".")[0], tokens._b64(b'{"role":"admin"}')),
    lambda t: "garbage",
    lambda t: t + ".extra",
])
def test_a_tampered_or_malformed_token_is_refused(forge):
    with pytest.raises(tokens.InvalidToken):
        tokens.read(KEY, forge(tokens.issue(KEY, principal())), now=NOW)


def test_a_token_signed_with_another_key_is_refused():
    with pytest.raises(tokens.InvalidToken):
        tokens.read(KEY, tokens.issue(b"x" * 32, principal()), now=NOW)
