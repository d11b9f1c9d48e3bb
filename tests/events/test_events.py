"""Cultural events through the stand-in: the listing by pages and kinds, a card, its calendar
file, the share link that opens it for someone else, and what is gone, past or cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar

from tests.conftest import Harness
from tests.events.helpers import button_data, data_of, deep_link_payload, event_titled, labels


async def open_events(harness: Harness, user_id: int = 1001, lang: str = "fr") -> tuple:
    resident = harness.resident(user_id, lang, "Sam" if lang == "en" else "Amina")
    await resident.send("/start")
    [menu] = await resident.wait_for_messages(1)
    await resident.press(menu, "el:all:0")
    listing = await resident.wait_for_edit(menu["message_id"])
    return resident, listing


async def test_the_listing_pages_and_filters_by_kind(harness: Harness) -> None:
    amina, page1 = await open_events(harness)
    assert page1["text"].startswith("🎭 Événements culturels")
    lines = [line for line in page1["text"].splitlines() if line and line[0] in "🖼🏛🛠✨"]
    assert len(lines) == 5
    assert "samedi" in page1["text"] and "Musée éphémère : les objets de nos vies" in page1["text"]
    assert "el:all:1" in data_of(page1)
    await amina.press(page1, "el:all:1")
    page2 = await amina.wait_for_edit(page1["message_id"])
    assert "(page 2)" in page2["text"] and "el:all:0" in data_of(page2)
    await amina.press(page2, "el:museum:0")
    museums = await amina.wait_for_edit(page1["message_id"])
    assert "· 🖼️ Musée" in museums["text"]
    assert "✅ 🖼️ Musée" in labels(museums)
    shown = [line for line in museums["text"].splitlines() if line.startswith("🖼️")]
    assert shown and all("🖼️" in line for line in shown)
    assert not any(line.startswith("🏛️") for line in museums["text"].splitlines())


async def test_a_card_and_its_calendar_file(harness: Harness) -> None:
    sam, listing = await open_events(harness, 1005, "en")
    museum = await event_titled(harness, "Musée éphémère", ("museum",))
    await sam.press_data(listing, f"ev:{museum.id}")
    card = await sam.wait_for_edit(listing["message_id"])
    text = card["text"]
    assert text.startswith("🖼️ Ephemeral museum: the objects of our lives")
    assert "this Saturday, 2:00\u202fPM–6:00\u202fPM" in text or "this Saturday, 2:00" in text
    assert "Maison de quartier de l'Étoile" in text and "Free" in text and "40 places" in text
    assert "♿ Step-free" in text
    await sam.press(card, button_data(card, "📅 Add to my calendar"))
    message = await sam.wait_for_document()
    document = message["document"]
    assert document["file_name"].endswith(f"-{museum.id}.ics")
    assert document["mime_type"] == "text/calendar"
    calendar = icalendar.Calendar.from_ical(harness.standin.file_bytes(document["file_id"]))
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Ephemeral museum: the objects of our lives"
    start = vevent.decoded("DTSTART")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"
    assert (start.hour, start.minute) == (14, 0)
    assert start.astimezone(UTC) == museum.starts_at
    assert calendar.walk("VTIMEZONE")  # the zone travels with the event
    assert "t.me/residents_test_bot?start=ev-" in str(vevent["URL"])


async def test_the_share_link_opens_the_event_for_whoever_taps_it(harness: Harness) -> None:
    amina, listing = await open_events(harness)
    tour = await event_titled(harness, "Balade patrimoine", ("heritage_tour",))
    await amina.press_data(listing, f"ev:{tour.id}")
    card = await amina.wait_for_edit(listing["message_id"])
    payload = deep_link_payload(button_data(card, "📤 Partager"))
    assert payload == f"ev-{tour.id}"
    karim = harness.resident(1003, "ar", "Karim")
    await karim.send(f"/start {payload}")
    [shared] = await karim.wait_for_messages(1)
    assert shared["text"].startswith("🏛️ جولة تراثية")
    assert any(d.startswith("er:") for d in data_of(shared))  # remind me, for him too


async def test_unknown_and_deleted_events_in_links_and_buttons(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    for payload in ("ev-999999", "ev-abc", "ev-"):
        await sam.send(f"/start {payload}")
        [reply] = await sam.wait_for_messages(1)
        assert reply["text"].startswith("This event no longer exists")
        assert "el:all:0" in data_of(reply)
    await sam.send("/start something-else")  # an unknown payload: the normal welcome
    [welcome] = await sam.wait_for_messages(1)
    assert welcome["text"].startswith("Hello Sam!")
    for forged in ("ev:999999", "ec:999999", "er:999999:1", "ep:999999"):
        query = await sam.press_data(welcome["message_id"], forged)
        answer = await sam.wait_for_callback_answer(query)
        assert answer["text"] == "This event no longer exists."
        [reply] = await sam.wait_for_messages(1)
        assert reply["text"].startswith("This event no longer exists")
    for junk in ("ev:abc", "el:concerts:0", "er:1:2"):
        await sam.press_data(welcome["message_id"], junk)
        [reply] = await sam.wait_for_messages(1)
        assert "no longer active" in reply["text"]


async def test_past_events_never_show_and_cancelled_ones_say_so(harness: Harness) -> None:
    choir = await event_titled(harness, "Concert de la chorale", ("other",))
    assert choir.cancelled
    amina, listing = await open_events(harness)
    await amina.press(listing, "el:other:0")
    others = await amina.wait_for_edit(listing["message_id"])
    assert "<s>" not in others["text"]  # the stand-in parsed it
    line = next(li for li in others["text"].splitlines() if "chorale" in li)
    assert "annulé" in line
    await amina.press(others, f"ev:{choir.id}")
    card = await amina.wait_for_edit(listing["message_id"])
    assert "❌ Annulé." in card["text"]
    assert not any(d.startswith(("er:", "ec:")) for d in data_of(card))  # no reminder, no file

    museum = await event_titled(harness, "objets de nos vies", ("museum",))
    harness.clock.advance(days=3, hours=8)  # Saturday evening: the museum day is over
    events, _ = await harness.services.events.upcoming(kinds=("museum",), limit=50)
    assert events and all(e.ends_at > harness.clock() for e in events)
    sam, listing = await open_events(harness, 1005, "en")
    assert "objects of our lives" not in listing["text"]
    await sam.send(f"/start ev-{museum.id}")  # an old link to it
    [card] = await sam.wait_for_messages(1)
    assert "Already over" in card["text"]
    assert not any(d.startswith(("er:", "ec:")) for d in data_of(card))


async def test_what_is_on_gets_the_live_listing(harness: Harness) -> None:
    sam = harness.resident(1005, "en")
    await sam.send("what's on this weekend?")
    [reply] = await sam.wait_for_messages(1)
    assert "🎭 Cultural events" in reply["text"]
    assert "Ephemeral museum" in reply["text"] and "this Saturday" in reply["text"]
    assert any(d.startswith("ev:") for d in data_of(reply))


async def test_a_multi_day_event_and_relative_words(harness: Harness) -> None:
    """Today, tomorrow, this <weekday>, a date; a long exhibition reads from/to."""
    from handlers.when import when

    t = harness.services.catalogs.get("fr")
    now = harness.clock()
    today = now.replace(hour=13, minute=0)
    assert when(t, today, today + timedelta(hours=2), now) == "aujourd’hui, 14:00–16:00"
    tomorrow = today + timedelta(days=1)
    assert when(t, tomorrow, tomorrow + timedelta(hours=1), now).startswith("demain, 14:00")
    assert when(t, today + timedelta(days=3), today + timedelta(days=3), now) == "ce samedi, 14:00"
    far = datetime(2027, 1, 16, 13, 0, tzinfo=UTC)
    assert when(t, far, far + timedelta(hours=2), now) == "sam. 16 janvier 2027, 14:00–16:00"
    long = when(t, today + timedelta(days=2), today + timedelta(days=12), now)
    assert long.startswith("du ven. 27 novembre au")
    summer = datetime(2027, 7, 3, 8, 0, tzinfo=UTC)  # 10:00 in Paris in summer
    assert "10:00" in when(t, summer, summer + timedelta(hours=3), now)


async def test_a_postponed_event_says_so(harness: Harness) -> None:
    garden = await event_titled(harness, "jardinage", ("workshop",))
    assert garden.postponed
    sam = harness.resident(1005, "en", "Sam")
    await sam.send(f"/start ev-{garden.id}")
    [card] = await sam.wait_for_messages(1)
    assert "⏳ Postponed: the new date will be announced here." in card["text"]
    assert "📅" not in card["text"]  # no date shown for it
    assert not any(d.startswith(("er:", "ec:")) for d in data_of(card))
