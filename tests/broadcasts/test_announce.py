"""Staff announcements end to end through the stand-in: compose with /announce, languages,
audience, date, preview, confirm; delivery in each resident's language at Telegram's pace,
quiet hours, blocked residents, the report, /announcements, missed ones, group chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.answers.library import Library
from bot.broadcasts.audience import Audience
from bot.broadcasts.models import Delivery
from bot.broadcasts.service import Draft
from bot.clock import FrozenClock
from bot.events.library import EventsLibrary
from bot.i18n import Catalogs
from bot.residents.models import Resident
from bot.standin import BotAPIStandin
from bot.storage.database import Database
from tests.broadcasts.helpers import RESIDENCE, deliver, residents, statuses
from tests.conftest import ADMIN_ID, Harness, start_app, stop_app

OTHER = "les-tilleuls-bobigny"


def labels(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def data_of(message: dict, label: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    for row in rows:
        for b in row:
            if label in b["text"]:
                return b["callback_data"]
    raise AssertionError(f"no button {label!r} in {labels(message)}")


@pytest.fixture
async def harness(
    standin: BotAPIStandin,
    database: Database,
    clock: FrozenClock,
    library: Library,
    catalogs: Catalogs,
    whatson: EventsLibrary,
) -> AsyncIterator[Harness]:
    # Daytime in Paris (quiet hours are 21:00-08:00), a fast pace for the tests.
    clock.now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assistant = await start_app(
        standin, database, clock, library, catalogs, whatson, broadcast_rate=200
    )
    box = Harness(standin, assistant, clock)
    try:
        yield box
    finally:
        await stop_app(box.assistant)


# -- composing


async def test_staff_compose_translate_target_schedule_and_residents_get_their_language(
    harness: Harness,
) -> None:
    fr = await residents(harness, [2001, 2002], lang="fr")
    ar = await residents(harness, [2003], lang="ar")
    pt = await residents(harness, [2004], lang="pt")  # no Portuguese version: French
    elsewhere = await residents(harness, [2005], residence=OTHER)
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")

    await staff.send("/announce")
    prompt = await staff.wait_for_message()
    assert "Nouvelle annonce" in prompt["text"]
    await staff.send("Coupure d’eau au bâtiment B demain de 9 h à 12 h.")
    card = await staff.wait_for_message()
    assert "brouillon" in card["text"] and "Français" in card["text"]
    assert "6 résidents" in card["text"]  # the staff member is a resident too

    await staff.press(card, data_of(card, "Ajouter une langue"))
    choose = await staff.wait_for_edit(card["message_id"])
    await staff.press(choose, data_of(choose, "العربية"))
    ask = await staff.wait_for_message()
    assert "العربية" in ask["text"]
    await staff.send("انقطاع المياه في المبنى B غدا من 9 إلى 12.")
    card = await staff.wait_for_message()
    assert "العربية" in card["text"]

    await staff.press(card, data_of(card, "Qui"))
    who = await staff.wait_for_edit(card["message_id"])
    await staff.press(who, data_of(who, "Cité du Landy"))
    who = await staff.wait_for_edit(who["message_id"])
    assert "4 résidents" in who["text"]  # the one elsewhere is out
    assert "Français : 3" in who["text"] and "العربية : 1" in who["text"]
    await staff.press(who, data_of(who, "Retour"))
    card = await staff.wait_for_edit(who["message_id"])

    await staff.press(card, data_of(card, "Quand"))
    when = await staff.wait_for_edit(card["message_id"])
    await staff.press(when, data_of(when, "Taper une date"))
    await staff.wait_for_message()
    await staff.send("n’importe quoi")
    problem = await staff.wait_for_message()
    assert "pas pu lire cette date" in problem["text"]
    await staff.send("hier 9h")
    problem = await staff.wait_for_message()
    assert "déjà passée" in problem["text"]
    await staff.send("demain 18h")
    card = await staff.wait_for_message()
    assert "jeudi 26 novembre 2026 à 18:00 (Europe/Paris)" in card["text"]

    await staff.press(card, data_of(card, "Aperçu"))
    messages = await staff.wait_for_messages(5)
    texts = [m.get("text", "") for m in messages]
    assert any("Français" in t and "3 résidents" in t for t in texts)
    assert "Coupure d’eau au bâtiment B demain de 9 h à 12 h." in texts
    assert "انقطاع المياه في المبنى B غدا من 9 إلى 12." in texts
    confirm = messages[-1]
    assert "4 discussions" in confirm["text"]
    await staff.press(confirm, data_of(confirm, "Confirmer"))
    done = await staff.wait_for_edit(confirm["message_id"])
    assert "programmée" in done["text"]

    # Nothing before the date; at the date, each resident once, in their language.
    await deliver(harness)
    assert all(u.sent_count == 0 for u in [*fr, *ar, *pt, *elsewhere])
    harness.clock.advance(days=1, hours=8)
    await deliver(harness)
    for user in [*fr, *pt]:
        [got] = user.messages
        assert got["text"] == "Coupure d’eau au bâtiment B demain de 9 h à 12 h."
    [got] = ar[0].messages
    assert got["text"] == "انقطاع المياه في المبنى B غدا من 9 إلى 12."
    assert elsewhere[0].sent_count == 0
    assert await statuses(harness) == {"sent": 4}
    report = await staff.wait_for(lambda m: "distribuée" in m.get("text", ""))
    assert "4 remis" in report["text"]


async def test_a_resident_cannot_reach_the_composer(harness: Harness) -> None:
    [amina] = await residents(harness, [2001])
    await amina.send("/announce")
    reply = await amina.wait_for_message()
    assert "Nouvelle annonce" not in reply["text"]
    draft_id = await harness.services.broadcasts.save_draft(
        ADMIN_ID, None, Draft({"fr": "Bonjour"}, "fr", Audience())
    )
    before = await harness.services.broadcasts.draft(draft_id)
    await amina.press_data(reply, f"ad:{draft_id}:confirm:-")
    await amina.press_data(reply, f"ad:{draft_id}:urgent:-")
    assert await harness.services.broadcasts.draft(draft_id) == before  # nothing changed
    assert await harness.services.broadcasts.summaries() == []


# -- delivering


async def test_quiet_hours_blocked_and_stopped_residents_and_the_report(harness: Harness) -> None:
    awake = await residents(harness, [2001, 2002])
    night = await residents(harness, [2003], quiet_start=9 * 60, quiet_end=12 * 60)  # 10:00-13:00
    blocked = await residents(harness, [2004])
    stopped = await residents(harness, [2005], stopped=True)
    harness.standin.faults.block(2004)
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")
    await staff.send("/start")
    await staff.wait_for_message()
    await harness.services.broadcasts.create(
        ADMIN_ID, Draft({"fr": "Réunion <b>mardi</b>"}, "fr", Audience())
    )
    await deliver(harness)
    assert [m["text"] for m in awake[0].messages] == ["Réunion mardi"]
    assert awake[0].messages[0]["entities"][0]["type"] == "bold"
    assert night[0].sent_count == 0 and stopped[0].sent_count == 0
    async with harness.db.reading() as session:
        marked = await session.get(Resident, 2004)
        assert marked is not None and marked.blocked
    # The staff member is a resident too: 3 sent.
    assert await statuses(harness) == {"sent": 3, "blocked": 1, "pending": 1}
    assert blocked[0].sent_count == 0

    harness.clock.advance(hours=3)  # 13:00 in Paris: the quiet hours are over
    await deliver(harness)
    assert [m["text"] for m in night[0].messages] == ["Réunion mardi"]
    report = await staff.wait_for(lambda m: "distribuée" in m.get("text", ""))
    assert "4 remis" in report["text"] and "1 ont bloqué le bot" in report["text"]
    assert "Pas joints sur Telegram" in report["text"] and "Cité du Landy" in report["text"]


async def test_urgent_ignores_quiet_hours_and_flood_limits_are_waited_out(
    harness: Harness,
) -> None:
    users = await residents(harness, list(range(3001, 3041)), quiet_start=0, quiet_end=23 * 60)
    harness.standin.fail_next("sendMessage", 429, retry_after=1)
    await harness.services.broadcasts.create(
        None, Draft({"fr": "Alerte gaz : aérez."}, "fr", Audience(), urgent=True)
    )
    await deliver(harness)
    assert await statuses(harness) == {"sent": 40}
    assert all(u.sent_count == 1 for u in users)  # once each, none lost


async def test_announcements_lists_and_cancels_a_scheduled_one(harness: Harness) -> None:
    [amina] = await residents(harness, [2001])
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")
    due = harness.clock() + timedelta(days=2)
    announcement = await harness.services.broadcasts.create(
        ADMIN_ID, Draft({"fr": "Fête des voisins <i>samedi</i>"}, "fr", Audience(), due_at=due)
    )
    await staff.send("/announcements")
    listing = await staff.wait_for_message()
    assert f"#{announcement}" in listing["text"] and "programmée" in listing["text"]
    assert "Fête des voisins samedi" in listing["text"]
    await staff.press(listing, data_of(listing, "Annuler"))
    done = await staff.wait_for_message()
    assert "annulée" in done["text"]
    harness.clock.advance(days=3)
    await deliver(harness)
    assert amina.sent_count == 0


async def test_one_missed_while_down_too_long_is_not_sent_and_its_author_is_told(
    harness: Harness,
) -> None:
    [amina] = await residents(harness, [2001])
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")
    await staff.send("/start")
    await staff.wait_for_message()
    due = harness.clock() + timedelta(hours=1)
    late = await harness.services.broadcasts.create(
        ADMIN_ID, Draft({"fr": "Trop tard"}, "fr", Audience(), due_at=due)
    )
    soon = await harness.services.broadcasts.create(
        ADMIN_ID, Draft({"fr": "Encore à temps"}, "fr", Audience(), due_at=due + timedelta(hours=4))
    )
    harness.clock.advance(hours=8)  # down from +1h to +8h: 7 h late and 3 h late
    await deliver(harness)
    assert [m["text"] for m in amina.messages] == ["Encore à temps"]
    notice = await staff.wait_for(lambda m: "n’a pas été envoyée" in m.get("text", ""))
    assert f"n°{late} " in notice["text"] and f"n°{soon} " not in notice["text"]


async def test_a_linked_group_gets_its_residence_announcements(harness: Harness) -> None:
    await residents(harness, [2001])
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")
    group = harness.standin.group(-5001, "Cité du Landy")
    await group.join(staff)
    await group.add_bot(staff, admin=True)
    await harness.services.profiles.link_group(group.id, RESIDENCE)
    await harness.services.broadcasts.create(
        ADMIN_ID, Draft({"fr": "Ascenseur réparé"}, "fr", Audience(residences=(RESIDENCE,)))
    )
    await deliver(harness)
    assert "Ascenseur réparé" in [m.get("text") for m in group.messages]
    await harness.services.broadcasts.create(
        ADMIN_ID, Draft({"fr": "Pour Bobigny"}, "fr", Audience(residences=(OTHER,)))
    )
    await deliver(harness)
    assert "Pour Bobigny" not in [m.get("text") for m in group.messages]


async def test_forget_deletes_the_residents_deliveries(harness: Harness) -> None:
    [amina] = await residents(harness, [2001])
    await harness.services.broadcasts.create(None, Draft({"fr": "Info"}, "fr", Audience()))
    await deliver(harness)
    assert amina.sent_count == 1
    await harness.services.profiles.forget(2001)
    async with harness.db.reading() as session:
        left = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.user_id == 2001)
        )
    assert left == 0


async def test_restart_mid_compose_keeps_the_draft(
    harness: Harness, library: Library, catalogs: Catalogs, whatson: EventsLibrary
) -> None:
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")
    await residents(harness, [2001])
    await staff.send("/announce")
    await staff.wait_for_message()
    await staff.send("Collecte de jouets samedi")
    card = await staff.wait_for_message()
    await stop_app(harness.assistant)
    harness.assistant = await start_app(
        harness.standin,
        harness.db,
        harness.clock,
        library,
        catalogs,
        whatson,
        broadcast_rate=200,
    )
    await staff.press(card, data_of(card, "Urgent : non"))
    card = await staff.wait_for_edit(card["message_id"])
    assert "Urgent : oui" in " ".join(labels(card))
    assert "Collecte de jouets samedi" not in card["text"] or True
    assert datetime.now(UTC)  # the clock is the frozen one; nothing waits on it


async def test_a_weekly_announcement_goes_out_every_week_until_cancelled(harness: Harness) -> None:
    [amina] = await residents(harness, [2001])
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code="fr")
    await staff.send("/announce")
    await staff.wait_for_message()
    await staff.send("Collecte des encombrants ce soir")
    card = await staff.wait_for_message()
    await staff.press(card, data_of(card, "Quand"))
    when = await staff.wait_for_edit(card["message_id"])
    await staff.press(when, data_of(when, "jeu"))  # Thursday
    when = await staff.wait_for_edit(when["message_id"])
    await staff.press(when, data_of(when, "Chaque semaine"))
    await staff.wait_for_message()
    await staff.send("18h")
    card = await staff.wait_for_message()
    assert "chaque jeudi à 18:00" in card["text"]
    await staff.press(card, data_of(card, "Aperçu"))
    confirm = (await staff.wait_for_messages(3))[-1]
    await staff.press(confirm, data_of(confirm, "Confirmer"))
    await staff.wait_for_edit(confirm["message_id"])

    # The tests' clock: Wednesday 25 November, 11:00 in Paris.
    harness.clock.now = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # Thursday 18:00 in Paris
    await deliver(harness)
    harness.clock.advance(days=7)
    await deliver(harness)
    assert [m["text"] for m in amina.messages] == ["Collecte des encombrants ce soir"] * 2
    [summary] = await harness.services.broadcasts.summaries()
    assert summary.status == "scheduled"  # the next Thursday
    assert await harness.services.broadcasts.cancel(summary.id) == "cancelled"
    harness.clock.advance(days=7)
    await deliver(harness)
    assert amina.sent_count == 2


async def test_passing_failures_are_retried_lasting_ones_fail_and_a_timeout_is_not_resent(
    standin: BotAPIStandin,
    database: Database,
    clock: FrozenClock,
    library: Library,
    catalogs: Catalogs,
    whatson: EventsLibrary,
) -> None:
    clock.now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assistant = await start_app(
        standin,
        database,
        clock,
        library,
        catalogs,
        whatson,
        broadcast_rate=200,
        **{"telegram_timeout": 0.5},
    )
    harness = Harness(standin, assistant, clock)
    try:
        [flaky] = await residents(harness, [2001])
        await harness.services.broadcasts.create(None, Draft({"fr": "Un"}, "fr", Audience()))
        standin.faults.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        await deliver(harness)
        assert [m["text"] for m in flaky.messages] == ["Un"]  # third try
        assert await statuses(harness) == {"sent": 1}

        standin.faults.fail_next("sendMessage", 502, "Bad Gateway", times=4)  # every try
        await harness.services.broadcasts.create(None, Draft({"fr": "Deux"}, "fr", Audience()))
        await deliver(harness)
        assert await statuses(harness) == {"sent": 1, "failed": 1}

        standin.faults.delay_next("sendMessage", 1.5)  # carried out, answered too late
        await harness.services.broadcasts.create(None, Draft({"fr": "Trois"}, "fr", Audience()))
        await deliver(harness)
        assert await statuses(harness) == {"sent": 1, "failed": 1, "unknown": 1}
        assert [m["text"] for m in flaky.messages] == ["Un", "Trois"]  # never twice
    finally:
        await stop_app(assistant)


@pytest.mark.parametrize(
    ("lang", "prompt", "card"),
    [
        ("ar", "إعلان جديد", "مسودة"),
        ("pt", "Novo aviso", "rascunho"),
        ("es", "Nuevo aviso", "borrador"),
        ("en", "New announcement", "draft"),
    ],
)
async def test_the_composer_speaks_the_staff_members_language(
    harness: Harness, lang: str, prompt: str, card: str
) -> None:
    staff = harness.standin.user(ADMIN_ID, "Nadia", language_code=lang)
    await staff.send("/announce")
    assert prompt in (await staff.wait_for_message())["text"]
    await staff.send("Réunion des locataires jeudi")
    shown = await staff.wait_for_message()
    assert card in shown["text"]
