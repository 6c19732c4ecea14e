import pytest

from services.accounts.password_hashing import FAST_HASHING, password_hasher

pytestmark = pytest.mark.unit


def test_real_accounts_get_argon2id_at_the_library_default_cost(monkeypatch):
    monkeypatch.delenv(FAST_HASHING, raising=False)
    hashed = password_hasher().hash("correct horse")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_test_suite_cost_is_only_taken_when_asked_for_and_verifies_either_way(monkeypatch):
    monkeypatch.setenv(FAST_HASHING, "1")
    fast = password_hasher()
    cheap = fast.hash("correct horse")
    assert cheap.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    monkeypatch.setenv(FAST_HASHING, "yes")
    strong = password_hasher()
    assert strong.verify(cheap, "correct horse")
    assert fast.verify(strong.hash("correct horse"), "correct horse")
