from __future__ import annotations

from datetime import UTC, datetime

import pytest

from events.qualifications import qualification_id
from services.commands.rejections import Conflict, Invalid
from services.qualifications.decider import QUALIFICATIONS, DefineQualification
from tests.catalogue import defined
from tests.deciding import streams_touched, when

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 8, tzinfo=UTC)


def define(**changes) -> DefineQualification:
    values = dict(code="food_hygiene", name_de="Lebensmittelhygiene", name_en="Food hygiene",
                  default_valid_for_months=24, now=NOW)
    return DefineQualification(**(values | changes))


DEFINED = defined("food_hygiene", "Lebensmittelhygiene", "Food hygiene")


def test_a_code_enters_the_catalogue_with_both_names_and_a_default_validity():
    assert when(QUALIFICATIONS, define()) == [DEFINED]


def test_each_code_is_a_stream_of_its_own_derived_from_the_code():
    assert streams_touched(QUALIFICATIONS, define(code=" food_hygiene ")) == [
        f"qualification-{qualification_id('food_hygiene')}"]


def test_a_code_defined_again_gets_new_names():
    [event] = when(QUALIFICATIONS, define(name_de="Hygiene (IfSG § 43)"), DEFINED)
    assert event.name.de == "Hygiene (IfSG § 43)" and event.code == "food_hygiene"


def test_the_same_definition_twice_is_a_conflict():
    with pytest.raises(Conflict):
        when(QUALIFICATIONS, define(), DEFINED)


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": " "}, "code"),
    ({"code": "a\nb"}, "code"),
    ({"name_de": ""}, "name.de"),
    ({"name_en": "x\x00"}, "name.en"),
    ({"default_valid_for_months": 0}, "default_valid_for_months"),
    ({"default_valid_for_months": 121}, "default_valid_for_months"),
])
def test_a_definition_needs_sound_input(changes, field):
    with pytest.raises(Invalid) as rejected:
        when(QUALIFICATIONS, define(**changes))
    assert rejected.value.field == field
