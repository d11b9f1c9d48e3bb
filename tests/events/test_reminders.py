"""Reminders with a controlled clock (no sleeping): the day before at 18:00 and an hour
before, in the resident's language; stopped on request; kept across restarts with stable job
ids; sent late only if still useful; and notices when staff cancel or move an event."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.events.reminders import BLOCKED, DROPPED, SENT
from bot.residents.models import Resident
from handlers.reminders import job_id, send_due
from tests.conftest import ADMIN_ID, Harness, start_app, stop_app
from tests.events.helpers import button_data, event_titled, ics, labels, local

# The sample museum: Saturday 28 November 2026, 14:00-18:00 in Paris (13:00 UTC).
EVE = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # Friday 18:00 in Paris
HOUR = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # Saturday 13:00 in Paris


async def museum_card(harness: Harness, resident) -> tuple[dict, int]:
    museum = await event_titled(harness, "objets de nos vies", ("museum",))
    await resident.send(f"/start ev-{museum.id}")
    [card] = await resident.wait_for_messages(1)
    return card, museum.id


async def due_now(harness: Harness) -> int:
    return await send_due(harness.application.bot, harness.services)


async def test_remind_me_the_day_before_and_an_hour_before(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    card, event_id = await museum_card(harness, amina)
    query = await amina.press(card, button_data(card, "⏰ Me le rappeler"))
    answer = await amina.wait_for_callback_answer(query)
    assert answer["text"] == "Je vous le rappellerai la veille à 18 h, puis une heure avant."
    card = await amina.wait_for_edit(card["message_id"])
    assert "🔕 Arrêter les rappels" in labels(card)
    pending = await harness.services.reminders.pending()
    assert [due for _, due in pending] == [EVE, HOUR]
    scheduler = harness.application.job_queue.scheduler
    assert all(scheduler.get_job(job_id(i)) is not None for i, _ in pending)

    assert await due_now(harness) == 0
    harness.clock.now = EVE
    assert await due_now(harness) == 1
    [eve] = await amina.wait_for_messages(1)
    assert eve["text"].startswith("⏰ Rappel : Musée éphémère : les objets de nos vies")
    assert "demain, 14:00–18:00" in eve["text"] and "Maison de quartier" in eve["text"]
    assert await due_now(harness) == 0  # taken once
    harness.clock.now = HOUR
    assert await due_now(harness) == 1
    [hour] = await amina.wait_for_messages(1)
    assert "aujourd’hui, 14:00–18:00" in hour["text"]
    outcomes = await harness.services.reminders.outcomes(1001)
    assert outcomes == {(event_id, "eve"): SENT, (event_id, "hour"): SENT}


async def test_reminders_speak_the_residents_language(harness: Harness) -> None:
    karim = harness.resident(1003, "ar", "Karim")
    card, _ = await museum_card(harness, karim)
    await karim.press(card, button_data(card, "⏰ ذكّرني"))
    await karim.wait_for_edit(card["message_id"])
    harness.clock.now = EVE
    await due_now(harness)
    [eve] = await karim.wait_for_messages(1)
    assert eve["text"].startswith("⏰ تذكير: المتحف المؤقت") and "غدًا" in eve["text"]


async def test_a_resident_can_stop_the_reminders(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    card, _ = await museum_card(harness, amina)
    await amina.press(card, button_data(card, "⏰"))
    card = await amina.wait_for_edit(card["message_id"])
    ids = [i for i, _ in await harness.services.reminders.pending()]
    query = await amina.press(card, button_data(card, "🔕"))
    assert (await amina.wait_for_callback_answer(query))["text"] == "Rappels arrêtés."
    await amina.wait_for_edit(card["message_id"])
    assert await harness.services.reminders.pending() == []
    scheduler = harness.application.job_queue.scheduler
    assert all(scheduler.get_job(job_id(i)) is None for i in ids)
    harness.clock.now = EVE
    assert await due_now(harness) == 0


async def test_too_late_or_cancelled_means_no_reminder(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    card, _ = await museum_card(harness, amina)
    harness.clock.now = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)  # 30 minutes before
    query = await amina.press(card, button_data(card, "⏰"))
    answer = await amina.wait_for_callback_answer(query)
    assert answer["text"] == "Cela commence trop tôt pour un rappel."
    assert await harness.services.reminders.pending() == []


async def test_reminders_survive_restarts_and_late_ones_are_sent_only_if_useful(
    standin, database, clock, library, catalogs, whatson
) -> None:
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    amina = standin.user(1001, "Amina", language_code="fr")
    try:
        await amina.send("/start")
        await amina.wait_for_messages(1)
        services = assistant.services
        events, _ = await services.events.upcoming(kinds=("museum",), limit=10)
        museum = next(e for e in events if "objets de nos vies" in e.title("fr", "fr"))
        result = await services.reminders.remind(1001, 1001, museum.id)
        assert result.status == "set"
    finally:
        await stop_app(assistant)
    ids = [i for i, _ in result.scheduled]
    for _ in range(2):  # restarted twice: each job once, under its stable id
        assistant = await start_app(standin, database, clock, library, catalogs, whatson)
        try:
            queue = assistant.application.job_queue
            for reminder_id in ids:
                assert len(queue.get_jobs_by_name(job_id(reminder_id))) == 1
                assert queue.scheduler.get_job(job_id(reminder_id)) is not None
        finally:
            await stop_app(assistant)

    # Down at 18:00, back at 19:30 (before the quiet hours: the late reminder goes at once).
    clock.now = datetime(2026, 11, 27, 18, 30, tzinfo=UTC)
    amina.mark_read()
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    try:
        [late] = await amina.wait_for_messages(1)  # still useful: sent at start-up
        assert late["text"].startswith("⏰ Rappel") and "demain, 14:00" in late["text"]
    finally:
        await stop_app(assistant)

    clock.now = datetime(2026, 11, 28, 13, 30, tzinfo=UTC)  # down during the hour before
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    try:
        outcomes = await assistant.services.reminders.outcomes(1001)
        assert outcomes[(museum.id, "hour")] == DROPPED  # it has started: dropped, not sent
        assert amina.sent_count == 2  # the /start reply and the late eve reminder
    finally:
        await stop_app(assistant)


async def test_a_resident_who_blocked_the_bot_is_marked_blocked(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    card, event_id = await museum_card(harness, amina)
    await amina.press(card, button_data(card, "⏰"))
    await amina.wait_for_edit(card["message_id"])
    harness.standin.faults.block(1001)  # blocked without the bot being told
    harness.clock.now = EVE
    assert await due_now(harness) == 0
    async with harness.db.reading() as session:
        row = await session.get(Resident, 1001)
    assert row is not None and row.blocked
    outcomes = await harness.services.reminders.outcomes(1001)
    assert outcomes[(event_id, "eve")] == BLOCKED


async def test_staff_cancel_and_move_tell_everyone_in_their_language(harness: Harness) -> None:
    workshop = await event_titled(harness, "Atelier couture", ("workshop",))
    amina = harness.resident(1001, "fr")
    karim = harness.resident(1003, "ar", "Karim")
    for resident in (amina, karim):
        await resident.send(f"/start ev-{workshop.id}")
        [card] = await resident.wait_for_messages(1)
        await resident.press(card, button_data(card, "⏰"))
        await resident.wait_for_edit(card["message_id"])
    staff = harness.resident(ADMIN_ID, "fr", "Staff")

    await amina.send(f"/event_cancel {workshop.id}")
    [refused] = await amina.wait_for_messages(1)  # as any unknown command
    assert "je ne connais pas la commande /event_cancel" in refused["text"]
    await staff.send("/event_move 12 demain")
    [usage] = await staff.wait_for_messages(1)
    assert usage["text"].startswith("Usage : /event_move")
    await staff.send("/event_move 999999 2026-12-20 15:00")
    [unknown] = await staff.wait_for_messages(1)
    assert unknown["text"] == "Aucun événement numéro 999999."
    await staff.send(f"/event_move {workshop.id} 2026-11-01 15:00")
    [past] = await staff.wait_for_messages(1)
    assert past["text"] == "Cette date est passée."

    await staff.send(f"/event_move {workshop.id} 2026-12-20 15:00")
    [moved] = await staff.wait_for_messages(1)
    assert "désormais dim. 20 décembre, 15:00–17:30" in moved["text"]
    assert "2 habitants qui avaient demandé un rappel sont prévenus." in moved["text"]
    [notice] = await amina.wait_for_messages(1)
    assert notice["text"].startswith("🔁 Nouvelle date : Atelier couture")
    assert "dim. 20 décembre, 15:00–17:30" in notice["text"] and "Au lieu de" in notice["text"]
    [notice_ar] = await karim.wait_for_messages(1)
    assert notice_ar["text"].startswith("🔁 موعد جديد")
    pending = dict((local(due), i) for i, due in await harness.services.reminders.pending())
    assert set(pending) == {"2026-12-19 18:00", "2026-12-20 14:00"}  # re-timed

    await staff.send(f"/event_cancel {workshop.id}")
    [cancelled] = await staff.wait_for_messages(1)
    assert cancelled["text"].startswith("Annulé : Atelier couture")
    [notice] = await amina.wait_for_messages(1)
    assert notice["text"].startswith("❌ Annulé : Atelier couture")
    [notice_ar] = await karim.wait_for_messages(1)
    assert notice_ar["text"].startswith("❌ أُلغي: ")
    assert await harness.services.reminders.pending() == []  # nothing more to remind
    harness.clock.now = datetime(2026, 12, 19, 17, 0, tzinfo=UTC)
    assert await due_now(harness) == 0


async def test_an_import_that_cancels_an_event_tells_the_residents(harness: Harness) -> None:
    feed = "UID:quiz@asso.example\nDTSTART;TZID=Europe/Paris:20261203T190000\nSUMMARY:Quiz"
    await harness.services.events.import_feed(ics(feed), "agenda.ics")
    quiz = await event_titled(harness, "Quiz", ("other",))
    sam = harness.resident(1005, "en", "Sam")
    await sam.send(f"/start ev-{quiz.id}")
    [card] = await sam.wait_for_messages(1)
    await sam.press(card, button_data(card, "⏰"))
    await sam.wait_for_edit(card["message_id"])
    cancelled = feed + "\nSTATUS:CANCELLED"
    report = await harness.services.events.import_feed(ics(cancelled), "agenda.ics")
    assert report.cancelled == 1 and report.notified == 1
    assert await due_now(harness) == 1  # what the minute sweep does
    [notice] = await sam.wait_for_messages(1)
    assert notice["text"].startswith("❌ Cancelled: Quiz") and "Sorry!" in notice["text"]


async def test_the_agenda_feed_is_imported_again_by_the_job_queue(
    standin, database, clock, library, catalogs, whatson, tmp_path
) -> None:
    agenda = tmp_path / "agenda.ics"
    quiz = "UID:quiz@asso.example\nDTSTART;TZID=Europe/Paris:20261203T190000\nSUMMARY:Quiz"
    agenda.write_bytes(ics(quiz))
    assistant = await start_app(
        standin, database, clock, library, catalogs, whatson, events_feed_url=str(agenda)
    )
    try:
        [job] = assistant.application.job_queue.get_jobs_by_name("events-feed")
        await job.run(assistant.application)
        found, _ = await assistant.services.events.upcoming(kinds=("other",), limit=50)
        event = next(e for e in found if e.title("fr", "fr") == "Quiz")
        await assistant.services.reminders.remind(1001, 1001, event.id)
        amina = standin.user(1001, "Amina", language_code="fr")
        agenda.write_bytes(ics(quiz + "\nSTATUS:CANCELLED"))
        await job.run(assistant.application)  # the next refresh: cancelled, and she is told
        [notice] = await amina.wait_for_messages(1)
        assert notice["text"].startswith("❌ Annulé : Quiz")
    finally:
        await stop_app(assistant)
