"""Residents in control: onboarding (and posters' links), /settings, /stop, quiet hours, the
weekly tip, /mydata, /forget, retention and group chats, end to end through the stand-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.answers.library import Library
from bot.answers.models import QuestionLog
from bot.broadcasts.audience import Audience
from bot.broadcasts.service import Draft
from bot.clock import FrozenClock
from bot.events.library import EventsLibrary
from bot.events.models import Reminder
from bot.i18n import Catalogs
from bot.residents.models import GroupLink, Resident
from bot.residents.profile import Profile
from bot.standin import BotAPIStandin
from bot.storage.base import Base
from bot.storage.database import Database
from bot.telegram.inbox import InboxUpdate
from handlers import announcements, digest
from handlers.reminders import send_due
from tests.conftest import ADMIN_ID, Harness, start_app, stop_app


def labels(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def data_of(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b.get("callback_data", "") for row in rows for b in row]


@pytest.fixture
async def harness(
    standin: BotAPIStandin,
    database: Database,
    clock: FrozenClock,
    library: Library,
    catalogs: Catalogs,
    whatson: EventsLibrary,
) -> AsyncIterator[Harness]:
    """As in production: new residents are onboarded."""
    assistant = await start_app(
        standin, database, clock, library, catalogs, whatson, onboarding=True
    )
    box = Harness(standin, assistant, clock)
    try:
        yield box
    finally:
        await stop_app(box.assistant)


async def restart(harness: Harness, library: Library, catalogs: Catalogs, whatson) -> None:
    """Another process takes over: nothing but the database carries over."""
    await stop_app(harness.assistant)
    harness.assistant = await start_app(
        harness.standin, harness.db, harness.clock, library, catalogs, whatson, onboarding=True
    )


async def row(harness: Harness, user_id: int) -> Resident | None:
    async with harness.db.reading() as session:
        return await session.get(Resident, user_id)


async def onboard(harness: Harness, user_id: int = 1001, lang: str = "fr") -> None:
    """The shortest onboarding: skip everything."""
    user = harness.resident(user_id, lang)
    await user.send("/start")
    step = await user.wait_for_message()
    await user.press(step, f"od:{user_id}")
    await user.wait_for_messages(1)  # the step is edited into "all set", then the menu


# -- onboarding


async def test_a_new_resident_is_onboarded_in_three_taps(harness: Harness) -> None:
    amina = harness.resident(1001, "en", "Amina")
    await amina.send("/start")
    step = await amina.wait_for_message()
    assert "1/3" in step["text"]
    assert "✅ English" in labels(step)  # preselected from Telegram
    assert "od:1001" in data_of(step)  # skippable
    await amina.press(step, "ol:1001:pt")  # tap 1
    step = await amina.wait_for_edit(step["message_id"])
    assert "2/3" in step["text"] and "Em que residência" in step["text"]
    assert "lc" in data_of(step)  # or share a location
    await amina.press(step, "or:1001:cite-du-landy-saint-denis")  # tap 2
    step = await amina.wait_for_edit(step["message_id"])
    assert "3/3" in step["text"]
    assert "✅ 📢 Avisos do prédio" in labels(step)  # announcements on unless opted out
    await amina.press(step, "ot:1001:tips:1")  # optional: follow eco tips
    step = await amina.wait_for_edit(step["message_id"])
    assert "✅ 💡 Dicas ecológicas" in labels(step)
    await amina.press(step, "od:1001")  # tap 3
    done = await amina.wait_for_edit(step["message_id"])
    assert "Tudo pronto" in done["text"] and "/mydata" in done["text"]  # privacy, once
    [menu] = await amina.wait_for_messages(1)
    assert menu["text"].startswith("Olá Amina!")
    stored = await row(harness, 1001)
    assert stored is not None and stored.onboarded_at is not None
    assert stored.language == "pt" and stored.residence_id == "cite-du-landy-saint-denis"
    assert set(stored.topics) == {"tips", "popups", "announcements"} and stored.digest
    await amina.send("/start")  # a returning resident gets the menu
    [menu] = await amina.wait_for_messages(1)
    assert menu["text"].startswith("Olá Amina!")


async def test_a_poster_link_attaches_the_residence_entrance_and_language(
    harness: Harness, library: Library, catalogs: Catalogs, whatson: EventsLibrary
) -> None:
    karim = harness.resident(1003, "fr", "Karim")
    await karim.send("/start r-les-tilleuls-bobigny_2_ar")
    step = await karim.wait_for_message()
    assert "✅ العربية" in labels(step)  # the poster's language, one tap to confirm
    stored = await row(harness, 1003)
    assert stored is not None
    assert stored.residence_id == "les-tilleuls-bobigny" and stored.entrance == "Bât. B"
    await restart(harness, library, catalogs, whatson)  # the flow lives in buttons and rows
    await karim.press(step, "ol:1003:ar")
    step = await karim.wait_for_edit(step["message_id"])
    assert "3/3" in step["text"]  # the residence step is not needed
    await restart(harness, library, catalogs, whatson)
    await karim.press(step, "od:1003")
    await karim.wait_for_messages(1)
    stored = await row(harness, 1003)
    assert stored is not None and stored.onboarded_at is not None and stored.language == "ar"


async def test_a_shared_location_offers_the_nearest_residences(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    await sam.send("/start")
    step = await sam.wait_for_message()
    await sam.press(step, "ol:1005:en")
    step = await sam.wait_for_edit(step["message_id"])
    await sam.press(step, "lc")  # the location button of the recycling screen
    await sam.wait_for_messages(1)
    await sam.send_location(48.9090, 2.4410)  # at the foot of Les Tilleuls
    _thanks, choice = await sam.wait_for_messages(2)
    assert "2/3" in choice["text"]
    assert data_of(choice)[0] == "or:1005:les-tilleuls-bobigny"
    await sam.press(choice, "or:1005:les-tilleuls-bobigny")
    step = await sam.wait_for_edit(choice["message_id"])
    assert "3/3" in step["text"]
    stored = await row(harness, 1005)
    assert stored is not None and stored.residence_id == "les-tilleuls-bobigny"


async def test_the_residence_list_can_be_searched_by_name(harness: Harness) -> None:
    lina = harness.resident(1007, "es", "Lina")
    await lina.send("/start")
    step = await lina.wait_for_message()
    await lina.press(step, "ol:1007:es")
    step = await lina.wait_for_edit(step["message_id"])
    await lina.press(step, "os:1007")
    prompt = await lina.wait_for_message()
    assert prompt["text"].startswith("🔎")
    await lina.send("glycines", reply_to=prompt["message_id"])
    found = await lina.wait_for_message()
    assert data_of(found)[0] == "or:1007:les-glycines-aubervilliers"
    await lina.send("zzz", reply_to=prompt["message_id"])
    none = await lina.wait_for_message()
    assert "Ninguna residencia" in none["text"] and "op:1007:0" in data_of(none)


@pytest.mark.parametrize(
    "payload", ["r-no-such-place", "r-les-tilleuls-bobigny_99_zz", "r-", "%%%", "x" * 64]
)
async def test_unknown_or_malformed_codes_get_a_normal_onboarding(
    harness: Harness, payload: str
) -> None:
    sam = harness.resident(1005, "en", "Sam")
    await sam.send(f"/start {payload}")
    step = await sam.wait_for_message()
    assert "1/3" in step["text"]
    stored = await row(harness, 1005)
    assert stored is not None and stored.entrance is None
    if payload.startswith("r-les"):  # a known residence with an unknown entrance
        assert stored.residence_id == "les-tilleuls-bobigny"
    else:
        assert stored.residence_id is None


# -- settings


async def test_settings_persist_across_restarts(
    harness: Harness, library: Library, catalogs: Catalogs, whatson: EventsLibrary
) -> None:
    await onboard(harness, 1001, "fr")
    amina = harness.resident(1001, "fr")
    await amina.send("/settings")
    screen = await amina.wait_for_message()
    assert "Heures calmes : de 21:00 à 08:00" in screen["text"]
    assert "sq:1001:22-07" in data_of(screen)
    await restart(harness, library, catalogs, whatson)
    await amina.press(screen, "sq:1001:22-07")  # pressed on a message of the old process
    screen = await amina.wait_for_edit(screen["message_id"])
    assert "de 22:00 à 07:00" in screen["text"]
    await restart(harness, library, catalogs, whatson)
    await amina.press(screen, "st:1001:events:1")
    screen = await amina.wait_for_edit(screen["message_id"])
    await amina.press(screen, "sd:1001:1")
    screen = await amina.wait_for_edit(screen["message_id"])
    await restart(harness, library, catalogs, whatson)
    await amina.send("/settings")
    screen = await amina.wait_for_message()
    assert "de 22:00 à 07:00" in screen["text"]
    assert "Éco-astuce hebdo : activée" in screen["text"]
    assert "✅ 🎭 Cultural events" in labels(screen) or "✅ 🎭 Événements culturels" in labels(
        screen
    )
    stored = await row(harness, 1001)
    assert stored is not None and stored.quiet_start == 22 * 60 and stored.digest
    await amina.press_data(screen["message_id"], "sq:1001:off")
    screen = await amina.wait_for_edit(screen["message_id"])
    profile = await harness.services.profiles.get(1001)
    assert profile is not None and profile.quiet is None


async def test_forged_buttons_never_change_another_residents_settings(harness: Harness) -> None:
    await onboard(harness, 1001)
    await onboard(harness, 1002)
    before = await harness.services.profiles.get(1001)
    mallory = harness.resident(1002, "fr")
    await mallory.send("/settings")
    screen = await mallory.wait_for_message()
    for forged in (
        "st:1001:tips:1",
        "sq:1001:off",
        "sd:1001:1",
        "fg:1001:1",
        "od:1001",
        "ol:1001:ar",
    ):
        query = await mallory.press_data(screen["message_id"], forged)
        answer = await mallory.wait_for_callback_answer(query)
        assert answer.get("text") == "Ce bouton ne marche plus."
        await mallory.wait_for_messages(1)
    # Amina's own screen pressed by someone else (a forwarded message, a group): same.
    amina = harness.resident(1001, "fr")
    await amina.send("/settings")
    mine = await amina.wait_for_message()
    query = await mallory.press_data(mine["message_id"], "sd:1001:1", chat=amina)
    await mallory.wait_for_callback_answer(query)
    assert await harness.services.profiles.get(1001) == before
    assert await row(harness, 1001) is not None


async def test_stop_silences_everything_but_replies_and_start_resumes(harness: Harness) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    await harness.services.profiles.set_digest(1001, True)
    await amina.send("/stop")
    [reply] = await amina.wait_for_messages(1)
    assert "ne vous enverrai plus" in reply["text"]
    harness.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert await digest.send_digests(harness.application.bot, harness.services) == 0
    await amina.send("chauffage la nuit dans la chambre")  # replies still come
    await amina.wait_for_messages(1)
    await amina.send("/start")
    [back, _menu] = await amina.wait_for_messages(2)
    assert "réactivés" in back["text"]
    assert await digest.send_digests(harness.application.bot, harness.services) == 1


# -- quiet hours and the weekly tip


def profile(quiet: tuple[int, int] | None = (21 * 60, 8 * 60), **kw: object) -> Profile:
    values: dict = dict(
        user_id=1,
        chat_id=1,
        language=None,
        telegram_language=None,
        residence_id=None,
        entrance=None,
        topics=frozenset(),
        quiet=quiet,
        digest=True,
        stopped=False,
        blocked=False,
        onboarded=True,
        seen_tips=(),
    )
    values.update(kw)
    return Profile(**values)  # type: ignore[arg-type]


async def test_quiet_hours_hold_what_can_wait(harness: Harness) -> None:
    profiles = harness.services.profiles
    night = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Paris
    assert not profiles.can_message_now(profile(), night)
    assert profiles.next_allowed(profile(), night) == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    early = datetime(2026, 11, 26, 5, 0, tzinfo=UTC)  # 06:00 in Paris
    assert profiles.next_allowed(profile(), early) == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    day = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert profiles.can_message_now(profile(), day)
    assert profiles.next_allowed(profile(), day) == day
    assert profiles.can_message_now(profile(None), night)
    assert not profiles.can_message_now(profile(None, stopped=True), day)
    assert not profiles.can_message_now(profile(None, blocked=True), day)


async def test_a_new_date_waits_for_the_end_of_quiet_hours(harness: Harness) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    events, _ = await harness.services.events.upcoming(kinds=("workshop", "museum"), limit=1)
    event = events[0]
    await harness.services.reminders.remind(1001, 1001, event.id)
    harness.clock.now = datetime(2026, 11, 25, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    _view, told = await harness.services.events.move(event.id, event.starts_at + timedelta(days=1))
    assert told == 1
    bot, services = harness.application.bot, harness.services
    assert await send_due(bot, services) == 0  # quiet hours: held
    harness.clock.now = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert await send_due(bot, services) == 1
    [notice] = await amina.wait_for_messages(1)
    assert notice["text"].startswith("🔁")


async def test_the_weekly_tip_is_new_each_week_and_waits_for_quiet_hours(
    harness: Harness,
) -> None:
    await onboard(harness, 1007, "es")
    lina = harness.resident(1007, "es")
    await harness.services.profiles.set_digest(1007, True)
    bot, services = harness.application.bot, harness.services
    harness.clock.now = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)  # 22:00 in Paris: quiet
    assert await digest.send_digests(bot, services) == 0
    harness.clock.now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert await digest.send_digests(bot, services) == 1
    [first] = await lina.wait_for_messages(1)
    assert "Su consejo ecológico de la semana" in first["text"]
    assert await digest.send_digests(bot, services) == 0  # once a week
    harness.clock.advance(days=7)
    assert await digest.send_digests(bot, services) == 1
    [second] = await lina.wait_for_messages(1)
    assert second["text"] != first["text"]
    stored = await row(harness, 1007)
    assert stored is not None and len(stored.seen_tips) == 2
    jobs = {job.name for job in harness.application.job_queue.jobs()}
    assert "digest-10" in jobs and "retention" in jobs


async def test_blocked_residents_get_nothing_more(harness: Harness) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    await harness.services.profiles.set_digest(1001, True)
    await amina.block()
    for _ in range(200):
        stored = await row(harness, 1001)
        if stored is not None and stored.blocked:
            break
        await asyncio.sleep(0.01)
    harness.clock.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert await digest.send_digests(harness.application.bot, harness.services) == 0


# -- privacy


async def test_mydata_exports_everything_stored(harness: Harness) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    await amina.send("/mydata")
    message = await amina.wait_for_document("my-data.json")
    data = json.loads(harness.standin.file_bytes(message["document"]["file_id"]))
    assert data["resident"]["user_id"] == 1001
    assert data["resident"]["onboarded_at"] is not None
    assert data["reminders"] == []
    assert data["announcements"] == []


async def test_forget_leaves_zero_rows_and_start_begins_again(harness: Harness) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    events, _ = await harness.services.events.upcoming(kinds=("popup",), limit=1)
    await harness.services.reminders.remind(1001, 1001, events[0].id)
    # An announcement reached her (urgent: the tests' clock is in her quiet hours).
    broadcasts = harness.services.broadcasts
    await broadcasts.create(None, Draft({"fr": "Info"}, "fr", Audience(), urgent=True))
    await announcements.tick(harness.application.bot, None, harness.services)
    [info] = await amina.wait_for_messages(1, timeout=10)
    assert info["text"] == "Info"
    for _ in range(100):  # its outcome is recorded a moment after Telegram accepts it
        if not await broadcasts.backlog():
            break
        await asyncio.sleep(0.05)
    await amina.send("/mydata")
    exported = await amina.wait_for_document("my-data.json")
    data = json.loads(harness.standin.file_bytes(exported["document"]["file_id"]))
    assert [a["status"] for a in data["announcements"]] == ["sent"]
    amina.mark_read()
    await amina.send("/forget")
    confirm = await amina.wait_for_message()
    await amina.press(confirm, "fg:1001:0")  # "no" keeps everything
    await amina.wait_for_edit(confirm["message_id"])
    assert await row(harness, 1001) is not None
    await amina.send("/forget")
    confirm = await amina.wait_for_message()
    await amina.press(confirm, "fg:1001:1")
    done = await amina.wait_for_edit(confirm["message_id"])
    assert "est effacé" in done["text"]
    async with harness.db.reading() as session:
        assert await session.get(Resident, 1001) is None
        count = select(func.count()).select_from(Reminder).where(Reminder.user_id == 1001)
        assert await session.scalar(count) == 0
        payloads = list(
            await session.scalars(
                select(InboxUpdate.payload).where(InboxUpdate.payload.is_not(None))
            )
        )
        assert not any("1001" in json.dumps(p) for p in payloads)
        # Every table that names a person: nothing left about her.
        for table in Base.metadata.sorted_tables:
            for name in ("user_id", "chat_id"):
                if name in table.c and table.name != "inbox":
                    where = table.c[name] == 1001
                    left = await session.scalar(
                        select(func.count()).select_from(table).where(where)
                    )
                    assert left == 0, table.name
    await amina.send("/start")
    step = await amina.wait_for_message()
    assert "1/3" in step["text"]  # from scratch


async def test_privacy_explains_in_the_residents_language(harness: Harness) -> None:
    joao = harness.resident(1002, "pt")
    await joao.send("/privacy")
    [reply] = await joao.wait_for_messages(1)
    assert "Os seus dados" in reply["text"] and "12 meses" in reply["text"]


async def test_retention_deletes_inactive_profiles_and_old_questions(harness: Harness) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    await amina.send("comment baisser ma facture d'eau")
    await amina.wait_for_messages(1)
    harness.clock.advance(days=200)
    await onboard(harness, 1002)  # active more recently
    harness.clock.advance(days=200)
    assert await digest.retention(harness.services) == (1, 1)
    assert await row(harness, 1001) is None and await row(harness, 1002) is not None
    async with harness.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionLog)) == 0


# -- groups


async def test_staff_link_a_group_and_the_bot_ignores_chatter(harness: Harness) -> None:
    staff = harness.resident(ADMIN_ID, "fr", "Staff")
    amina = harness.resident(1001, "fr", "Amina")
    group = harness.standin.group(-100123, "Les Tilleuls")
    await group.join(staff, amina)
    await group.add_bot(staff, admin=True)  # an admin bot sees every message
    await amina.send("bonjour tout le monde, qui a vu mon chat ?", chat=group)
    await amina.send("/start@some_other_bot", chat=group)  # another bot's command: silence
    await amina.send("/link_group les-tilleuls-bobigny", chat=group)
    [refused] = await group.wait_for_messages(1)  # as any command the bot does not take here
    assert "conversation privée" in refused["text"]
    await staff.send("/link_group les-tilleuls-bobigny", chat=group)
    [linked] = await group.wait_for_messages(1)
    assert "Résidence Les Tilleuls" in linked["text"]
    assert await harness.services.profiles.group_chats("les-tilleuls-bobigny") == [-100123]
    await staff.send("/gaps", chat=group)  # never residents' questions in a group
    [pointer] = await group.wait_for_messages(1)
    assert "conversation privée" in pointer["text"]
    await amina.send("/language", chat=group)
    await group.wait_for_messages(1)
    await amina.mention_bot("quand passe la ressourcerie ?", chat=group)  # a mention: a pointer
    [pointer] = await group.wait_for_messages(1)
    assert pointer["reply_markup"]["inline_keyboard"][0][0]["url"].startswith("https://t.me/")
    async with harness.db.reading() as session:
        assert await session.scalar(select(func.count()).select_from(GroupLink)) == 1
        assert await session.get(Resident, 1001) is None  # nothing stored about a person
    await staff.send("/unlink_group", chat=group)
    await group.wait_for_messages(1)
    assert await harness.services.profiles.group_chats("les-tilleuls-bobigny") == []
    await staff.send("/link_group les-tilleuls-bobigny", chat=group)
    await group.wait_for_messages(1)
    await group.remove_bot(staff)
    for _ in range(200):
        if not await harness.services.profiles.group_chats("les-tilleuls-bobigny"):
            break
        await asyncio.sleep(0.01)
    assert await harness.services.profiles.group_chats("les-tilleuls-bobigny") == []


async def test_a_reminder_waits_for_the_end_of_quiet_hours_unless_the_event_starts_first(
    harness: Harness,
) -> None:
    await onboard(harness, 1001)
    amina = harness.resident(1001, "fr")
    events, _ = await harness.services.events.upcoming(kinds=("workshop", "museum"), limit=1)
    event = events[0]
    await harness.services.reminders.remind(1001, 1001, event.id)
    bot, services = harness.application.bot, harness.services
    await services.profiles.set_quiet(1001, (9 * 60, 23 * 60 + 59))  # quiet almost all day
    hour_before = event.starts_at - timedelta(hours=1)
    harness.clock.now = hour_before
    # The quiet hours end after the event starts: waiting would make the reminder useless.
    assert await send_due(bot, services) >= 1
    reminders = [m for m in await amina.wait_for_messages(1) if m["text"].startswith("⏰")]
    assert reminders
