""" "Can I bring this?": objects named in a few words, in any language, with their condition."""

from __future__ import annotations

import pytest

from bot.events.library import EventsLibrary


@pytest.mark.parametrize(
    ("text", "item", "accepted"),
    [
        ("un micro-ondes qui marche", "small-appliances", True),
        ("a broken kettle", "small-appliances", False),
        ("roupa de criança", "clothes", None),  # taken when in good condition
        ("une bouilloire qui ne marche plus", "small-appliances", False),
        ("ropa rota", "clothes", False),
        ("ملابس الأطفال نظيفة", "clothes", True),
        ("mon vieux canapé", "large-furniture", False),
        ("des piles usagées", "batteries-bulbs", False),
        ("a washing machine", "large-appliances", False),
        ("des livres pour enfants", "books", None),
        ("un siège auto", "safety-gear", False),
        ("medicamentos caducados", "medicines", False),
        ("des VÊTEMENTS propres", "clothes", True),
    ],
)
def test_objects_get_the_pop_up_shops_verdict(
    whatson: EventsLibrary, text: str, item: str, accepted: bool | None
) -> None:
    verdict = whatson.items.match(text)
    assert verdict is not None and verdict.item.id == item
    assert verdict.accepted is accepted


def test_refused_items_say_why_and_where_to_go_instead(whatson: EventsLibrary) -> None:
    kettle = whatson.items.match("a broken kettle")
    assert kettle is not None
    assert "DEEE" in kettle.item.elsewhere["en"] and "déchèterie" in kettle.item.elsewhere["en"]
    clothes = whatson.items.match("roupa de criança")
    assert clothes is not None and "refashion" in clothes.item.elsewhere["pt"]


@pytest.mark.parametrize("text", ["hello", "quand passe la ressourcerie ?", "", "🙂🙂", "x" * 5000])
def test_what_is_not_an_object_matches_nothing(whatson: EventsLibrary, text: str) -> None:
    assert whatson.items.match(text) is None
