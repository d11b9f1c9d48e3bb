"""What the screens change: residences the content sync leaves alone, events added, edited,
duplicated, moved and cancelled (residents reminded are told), gaps marked handled."""

from __future__ import annotations

from sqlalchemy import select

from bot.events.models import Reminder
from tests.backoffice.conftest import Staff
from tests.conftest import ADMIN_ID, Harness

RESIDENCE = {
    "name": "Résidence Les Lilas",
    "address": "5 rue des Lilas",
    "city": "93500 Pantin",
    "latitude": "48.894",
    "longitude": "2.409",
    "entrances": "Bât. 1\nBât. 2",
    "languages": "ar, pt, xx",
}


async def test_residences_staff_edit_survive_the_content_sync(
    staff: Staff, harness: Harness
) -> None:
    await staff.login(ADMIN_ID)
    added = await staff.post("/web/residences/new", RESIDENCE)
    assert added.status_code == 303
    new_id = added.headers["location"].split("/")[-1].split("?")[0]
    assert new_id == "residence-les-lilas-pantin"
    edited = await staff.post(
        "/web/residences/les-tilleuls-bobigny",
        {**RESIDENCE, "name": "Les Tilleuls (rénovée)", "city": "93000 Bobigny"},
    )
    assert edited.status_code == 303
    bad = await staff.post("/web/residences/new", {**RESIDENCE, "latitude": "200"})
    assert bad.status_code == 400 and "Latitude" in bad.text
    report = await harness.services.events.sync_content(harness.services.whatson.content)
    assert any("les-tilleuls-bobigny is managed in the back office" in n for n in report.notes)
    lilas = await harness.services.events.residence(new_id)
    tilleuls = await harness.services.events.residence("les-tilleuls-bobigny")
    assert lilas is not None and lilas.languages == ("ar", "pt") and lilas.source == "web"
    assert lilas.entrances == ("Bât. 1", "Bât. 2")
    assert tilleuls is not None and tilleuls.name == "Les Tilleuls (rénovée)"
    page = await staff.client.get(f"/web/residences/{new_id}")
    assert "Définissez BOT_USERNAME" in page.text  # no bot name in the tests' settings


async def test_add_edit_duplicate_move_and_cancel_tell_the_reminded(
    staff: Staff, harness: Harness
) -> None:
    await staff.login(ADMIN_ID)
    form = {
        "kind": "museum",
        "title_fr": "Musée des balcons",
        "residence": "",
        "place": "Salle des fêtes",
        "address": "1 place de la Mairie, Bobigny",
        "date": "2026-12-10",
        "start": "10:00",
        "end": "18:00",
        "price": "2,50",
        "capacity": "40",
    }
    created = await staff.post("/web/events/new", form)
    assert created.status_code == 303
    event_id = int(created.headers["location"].split("/")[-1].split("?")[0])
    event = await harness.services.events.get(event_id)
    assert event is not None and event.price_cents == 250 and event.place == "Salle des fêtes"
    await harness.services.reminders.remind(1001, 1001, event_id)
    edited = await staff.post(f"/web/events/{event_id}", {**form, "start": "11:00"})
    assert edited.status_code == 303 and "told=1" in edited.headers["location"]
    copy = await staff.client.get(f"/web/events/new?from={event_id}")
    assert 'value="Musée des balcons"' in copy.text
    moved = await staff.post(
        f"/web/events/{event_id}/move", {"date": "2026-12-11", "start": "14:00"}
    )
    assert moved.status_code == 303 and "told=1" in moved.headers["location"]
    cancelled = await staff.post(f"/web/events/{event_id}/cancel", {})
    assert "told=1" in cancelled.headers["location"]
    async with harness.db.reading() as session:
        kinds = set(
            await session.scalars(select(Reminder.kind).where(Reminder.event_id == event_id))
        )
    assert {"moved", "cancelled"} <= kinds
    again = await staff.post(f"/web/events/{event_id}", form)
    assert again.status_code == 400 and "annulé" in again.text
    # An event from the content files: moved or cancelled here, never edited.
    content_event = (await harness.services.events.upcoming(kinds=("workshop",), limit=1))[0][0]
    page = await staff.client.get(f"/web/events/{content_event.id}")
    assert "modifiez-le là-bas" in page.text and 'name="title_fr"' not in page.text


async def test_gaps_are_grouped_and_marked_handled(staff: Staff, harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    for question in ("ma chaudière est en panne", "la chaudiere est en panne", "qui paie le loyer"):
        await amina.send(question)
        await amina.wait_for_messages(1)
    await staff.login(ADMIN_ID)
    page = await staff.client.get("/web/gaps")
    assert "et 1 formulation proche" in page.text and "loyer" in page.text
    groups, _ = await harness.services.questions.gap_groups()
    boiler = next(g for g in groups if "chaudi" in g.text)
    answer = await staff.post("/web/gaps/handled", {"key": boiler.keys})
    assert answer.status_code == 303
    open_gaps, _ = await harness.services.questions.gap_groups()
    assert [g.text for g in open_gaps] == ["qui paie le loyer"]
    handled, _ = await harness.services.questions.gap_groups(handled=True)
    assert len(handled) == 1 and handled[0].count == 2
    harness.clock.advance(minutes=5)
    await amina.send("ma chaudière est en panne")
    await amina.wait_for_messages(1)
    back, _ = await harness.services.questions.gap_groups()
    assert any("chaudi" in g.text for g in back)  # asked again: open again
