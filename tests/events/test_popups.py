"""Residents and pop-up shops, through the stand-in: the next ones (their residence first),
a shared location (with distances, or far from everything), the map pin, and "can I bring
this?" from a button or in their own words."""

from __future__ import annotations

from bot.residents.models import Resident
from tests.conftest import Harness
from tests.events.helpers import button_data, buttons, data_of, labels

NEAR_TILLEULS = (48.9092, 2.4405)  # a few dozen metres from Résidence Les Tilleuls, Bobigny
MARSEILLE = (43.2965, 5.3698)


async def open_recycling(harness: Harness, user_id: int = 1001, lang: str = "fr") -> tuple:
    resident = harness.resident(user_id, lang)
    await resident.send("/start")
    [menu] = await resident.wait_for_messages(1)
    await resident.press(menu, "pl")
    screen = await resident.wait_for_edit(menu["message_id"])
    return resident, screen


async def test_two_taps_to_the_next_pop_up_shops(harness: Harness) -> None:
    amina, screen = await open_recycling(harness)
    text = screen["text"]
    assert text.startswith("♻️ Ressourceries éphémères")
    assert "aujourd’hui, 14:00–17:30" in text  # Vitry, every Wednesday (the clock: a Wednesday)
    assert "vendredi" in text or "ce vendredi" in text  # Montreuil, in two days
    assert "Dites-moi où vous habitez" in text
    shops = [d for d in data_of(screen) if d.startswith("ev:")]
    assert len(shops) == 4
    await amina.press(screen, shops[0])
    card = await amina.wait_for_edit(screen["message_id"])
    assert "Ressourcerie éphémère — Résidence Les Marronniers" in card["text"]
    assert "À apporter : vêtements" in card["text"] and "Refusés :" in card["text"]
    assert "gros électroménager" in card["text"]  # what not to bring
    assert "Données d’exemple" in card["text"]  # sample data says so
    assert {"📅 Ajouter à mon agenda", "⏰ Me le rappeler", "📍 Carte", "📤 Partager"} <= set(
        labels(card)
    )


async def test_my_residence_comes_first_then_the_nearest(harness: Harness) -> None:
    amina, screen = await open_recycling(harness)
    await amina.press(screen, button_data(screen, "🏢 Ma résidence"))
    choices = await amina.wait_for_edit(screen["message_id"])
    assert "Dans quelle résidence habitez-vous ?" in choices["text"]
    assert any("Les Tilleuls" in label for label in labels(choices))
    await amina.press(choices, "rs:les-tilleuls-bobigny")
    mine = await amina.wait_for_edit(screen["message_id"])
    text = mine["text"]
    assert "Votre résidence : Résidence Les Tilleuls, 93000 Bobigny" in text
    assert text.index("Prochainement dans votre résidence") < text.index("Aussi près de chez vous")
    assert "sam. 5 décembre, 10:00–13:00" in text
    assert " km)" in text  # the nearby ones say how far
    async with harness.db.reading() as session:
        row = await session.get(Resident, 1001)
    assert row is not None and row.residence_id == "les-tilleuls-bobigny"
    await amina.press_data(mine, "rs:no-such-residence")  # forged
    [stale] = await amina.wait_for_messages(1)
    assert "ne marche plus" in stale["text"]


async def test_a_shared_location_finds_the_nearest_with_distances(harness: Harness) -> None:
    amina, screen = await open_recycling(harness)
    await amina.press(screen, button_data(screen, "📍 Près de moi"))
    [prompt] = await amina.wait_for_messages(1)
    keyboard = amina.reply_keyboard
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_location"] is True
    assert "n’est pas conservée" in prompt["text"]
    await amina.send_location(*NEAR_TILLEULS)
    _, nearest = await amina.wait_for_messages(2)
    assert amina.reply_keyboard is None  # the location keyboard is gone
    assert nearest["text"].startswith("Les ressourceries les plus proches")
    first_line = nearest["text"].splitlines()[1]
    assert "Les Tilleuls" in first_line and " m)" in first_line  # metres away
    home = button_data(nearest, "🏢 J’habite à")
    assert home == "rs:les-tilleuls-bobigny"
    await amina.press(nearest, home)
    await amina.wait_for_edit(nearest["message_id"])
    assert await harness.services.residents.residence(1001) == "les-tilleuls-bobigny"


async def test_a_location_far_from_every_residence_gets_a_clear_answer(harness: Harness) -> None:
    sam = harness.resident(1005, "en")
    await sam.send_venue(*MARSEILLE, "Vieux-Port", "Quai du Port, Marseille")
    _, far = await sam.wait_for_messages(2)
    assert far["text"].startswith("No pop-up shop near you.")
    assert "residences only" in far["text"] and " km away" in far["text"]
    assert any(d.startswith("rl:") for d in data_of(far))


async def test_the_map_pin_is_a_venue(harness: Harness) -> None:
    amina, screen = await open_recycling(harness)
    await amina.press(screen, next(d for d in data_of(screen) if d.startswith("ev:")))
    card = await amina.wait_for_edit(screen["message_id"])
    await amina.press(card, button_data(card, "📍 Carte"))
    pin = await amina.wait_for(lambda m: "venue" in m, what="venue")
    venue = pin["venue"]
    assert venue["title"] == "Résidence Les Marronniers"
    assert "Vitry-sur-Seine" in venue["address"]
    assert abs(venue["location"]["latitude"] - 48.7921) < 1e-4


async def test_can_i_bring_this_from_the_button(harness: Harness) -> None:
    amina, screen = await open_recycling(harness)
    await amina.press(screen, button_data(screen, "❓"))
    [prompt] = await amina.wait_for_messages(1)
    assert prompt["text"].startswith("❓ Quel objet") and amina.force_reply is not None
    await amina.send("un micro-ondes qui marche", reply_to=prompt["message_id"])
    [yes] = await amina.wait_for_messages(1)
    assert yes["text"].startswith("✅ Oui, les ressourceries le prennent (petit électroménager)")
    assert "Prochaine ressourcerie" in yes["text"]
    await amina.press(yes, button_data(yes, "❓ Un autre objet"))
    [prompt] = await amina.wait_for_messages(1)
    await amina.send("une bouilloire cassée", reply_to=prompt["message_id"])
    [no] = await amina.wait_for_messages(1)
    assert no["text"].startswith("🚫 Non, pas s’il est cassé ou usé")
    assert "DEEE" in no["text"] and "déchèterie" in no["text"]
    await amina.send("un truc bizarre", reply_to=prompt["message_id"])
    [unknown] = await amina.wait_for_messages(1)
    assert unknown["text"].startswith("Je ne connais pas cet objet.")
    assert "vêtements" in unknown["text"]


async def test_objects_named_in_a_question_get_the_verdict(harness: Harness) -> None:
    sam = harness.resident(1005, "en")
    await sam.send("a broken kettle")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("🚫 No, not when it is broken or worn (small appliances).")
    assert "DEEE take-back" in reply["text"]
    # An appliance and its state, even when the answering is sure it is about the appliance
    # (the fridge temperature card): the resident asks where it can go.
    await sam.send("my fridge is broken")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("🚫 No, the pop-up shops do not take it (large appliances).")
    joao = harness.resident(1002, "pt")
    await joao.send("roupa de criança")
    [reply] = await joao.wait_for_messages(1)
    assert reply["text"].startswith("✅ Sim, se funcionar e estiver em bom estado (roupa)")
    assert "refashion.fr" in reply["text"]  # where to take worn clothes
    amina = harness.resident(1001, "fr")
    await amina.send("un micro-ondes qui marche")
    [reply] = await amina.wait_for_messages(1)
    assert reply["text"].startswith("✅ Oui")


async def test_when_is_the_next_pop_up_shop_gets_the_live_listing(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    await amina.send("c'est quand la prochaine ressourcerie ?")
    [reply] = await amina.wait_for_messages(1)
    assert "aujourd’hui, 14:00–17:30" in reply["text"]  # a real date, not static text
    assert "♻️ Ressourceries éphémères" in reply["text"]
    assert any(d.startswith("ev:") for d in data_of(reply))
    sam = harness.resident(1005, "en")
    await sam.send("when does the recycling shop come to our building?")
    [reply] = await sam.wait_for_messages(1)
    assert "today, 2:00" in reply["text"] and buttons(reply)
