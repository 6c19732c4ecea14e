"""How ``rebuild --all`` splits read models over processes: by the events each looks at."""

from __future__ import annotations

from dataclasses import dataclass

from projections.admin import split_by_cost

COUNTS = {"a": 50, "b": 30, "c": 20, "d": 10, "e": 5}


@dataclass(frozen=True)
class Model:
    name: str
    event_types: frozenset[str] | None


def names(groups) -> list[list[str]]:
    return [[model.name for model in group] for group in groups]


def test_the_dearest_model_goes_first_to_the_cheapest_group():
    models = [Model("small", frozenset("e")), Model("big", frozenset("a")),
              Model("middle", frozenset("bd")), Model("mid", frozenset("c"))]
    # big 50 | middle 40, then mid 20 joins middle (40 < 50), then small 5 joins big (50 < 60)
    assert names(split_by_cost(models, COUNTS, 2)) == [["big", "small"], ["middle", "mid"]]


def test_a_model_that_reads_every_event_costs_all_of_them():
    models = [Model("everything", None), Model("a", frozenset("a")), Model("b", frozenset("b"))]
    assert names(split_by_cost(models, COUNTS, 2)) == [["a", "b"], ["everything"]]


def test_no_group_is_empty_and_every_model_is_in_one():
    models = [Model(tag, frozenset(tag)) for tag in "ab"]
    assert names(split_by_cost(models, COUNTS, 5)) == [["a"], ["b"]]
    assert names(split_by_cost(models, COUNTS, 1)) == [["a", "b"]]
    assert split_by_cost([], COUNTS, 2) == []


def test_types_without_events_cost_nothing():
    models = [Model("none", frozenset({"unknown"})), Model("a", frozenset("a"))]
    assert names(split_by_cost(models, COUNTS, 1)) == [["a", "none"]]
