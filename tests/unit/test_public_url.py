"""TREFFPUNKT_PUBLIC_URL: where links point, never the request's Host (issue 17, item 9)."""

from __future__ import annotations

import pytest

from services.platform.settings import Settings, public_url_from_env

pytestmark = pytest.mark.unit


def settings(**values) -> Settings:
    return Settings(database_url="", redis_url="", **values)


def test_links_point_to_the_public_url_or_else_to_the_services_own_port():
    assert settings(public_url="https://treffpunkt.example/").public_base_url() == \
        "https://treffpunkt.example"
    assert settings(port=8123).public_base_url() == "http://127.0.0.1:8123"


@pytest.mark.parametrize("value", ["treffpunkt.example", "ftp://treffpunkt.example",
                                   "https://", "https://treffpunkt.example/?x=1"])
def test_a_public_url_that_is_no_http_address_stops_the_start(monkeypatch, value):
    monkeypatch.setenv("TREFFPUNKT_PUBLIC_URL", value)
    with pytest.raises(ValueError, match="TREFFPUNKT_PUBLIC_URL"):
        public_url_from_env()


def test_a_public_url_below_a_path_is_kept(monkeypatch):
    monkeypatch.setenv("TREFFPUNKT_PUBLIC_URL", "https://dorf.example/treffpunkt")
    assert settings(public_url=public_url_from_env()).public_base_url() == \
        "https://dorf.example/treffpunkt"
