"""Staff roles end to end through the stand-in: admins (ADMIN_IDS) add staff by id or by a
forwarded message, staff get the staff commands and menu, residents never reach a staff
command or button (forged data included), every change is in the audit log, and staff
survive a restart."""

from __future__ import annotations

import pytest

from bot.answers.library import Library
from bot.clock import FrozenClock
from bot.events.library import EventsLibrary
from bot.i18n import Catalogs
from bot.staff.service import AdminNotRemovable, NotAllowed
from bot.standin import BotAPIStandin
from bot.storage.database import Database
from bot.telegram.callbacks import encode
from handlers.access import STAFF_COMMANDS
from handlers.buttons import AddStaff
from tests.conftest import ADMIN_ID, NOW, RELOAD_WAIT, Harness, start_app, stop_app


def labels(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row]


def menu_of(harness: Harness, user_id: int) -> list[str]:
    return [c["command"] for c in harness.standin.commands("chat", chat_id=user_id)]


async def started(harness: Harness, user_id: int, lang: str, name: str):
    """A person who has written to the bot (so Telegram knows their chat)."""
    user = harness.resident(user_id, lang, name)
    await user.send("/start")
    await user.wait_for_messages(1)
    return user


async def test_an_admin_adds_staff_by_id_who_then_use_gaps_until_removed(
    harness: Harness,
) -> None:
    admin = harness.resident(ADMIN_ID, "fr", "Admin")
    nadia = await started(harness, 2001, "fr", "Nadia")
    await nadia.send("/gaps")
    [refused] = await nadia.wait_for_messages(1)
    assert "je ne connais pas la commande /gaps" in refused["text"]
    assert "gaps" not in menu_of(harness, 2001)

    await admin.send("/staff add 2001")
    [done] = await admin.wait_for_messages(1)
    assert done["text"] == "✅ Nadia (identifiant 2001) fait maintenant partie de l’équipe."
    [told] = await nadia.wait_for_messages(1)
    assert told["text"].startswith("Vous faites maintenant partie de l’équipe")
    assert {"gaps", "reload", "staff", "link_group"} <= set(menu_of(harness, 2001))
    assert set(STAFF_COMMANDS) <= set(menu_of(harness, 2001))

    await nadia.send("/gaps")
    [gaps] = await nadia.wait_for_messages(1)
    assert gaps["text"].startswith("Aucune question sans réponse")
    await nadia.send("/staff list")
    [listing] = await nadia.wait_for_messages(1)
    assert f"👑 identifiant {ADMIN_ID} : administrateur" in listing["text"]
    assert "👤 Nadia (identifiant 2001) : ajouté le 25 nov. 2026 par 4242" in listing["text"]
    await nadia.send("/staff add 2002")  # staff, not an admin
    [only_admins] = await nadia.wait_for_messages(1)
    assert "seuls les administrateurs" in only_admins["text"]
    await admin.send("/staff add 2001")
    [again] = await admin.wait_for_messages(1)
    assert again["text"] == "Nadia (identifiant 2001) fait déjà partie de l’équipe."

    harness.clock.advance(hours=1)
    await admin.send("/staff remove 2001")
    [removed] = await admin.wait_for_messages(1)
    assert removed["text"] == "identifiant 2001 ne fait plus partie de l’équipe."
    [told] = await nadia.wait_for_messages(1)
    assert told["text"] == "Vous ne faites plus partie de l’équipe de l’association."
    assert menu_of(harness, 2001) == []  # back to the residents' menu of her language
    await nadia.send("/gaps")
    [refused] = await nadia.wait_for_messages(1)
    assert "je ne connais pas la commande /gaps" in refused["text"]
    await admin.send(f"/staff remove {ADMIN_ID}")
    [admin_stays] = await admin.wait_for_messages(1)
    assert "ADMIN_IDS" in admin_stays["text"]
    assert await harness.services.staff.is_staff(ADMIN_ID)

    audit = await harness.services.staff.recent_audit(10)
    assert [(a.action, a.actor_id, a.subject) for a in audit] == [
        ("staff.remove", ADMIN_ID, "2001"),
        ("staff.add", ADMIN_ID, "2001"),
    ]
    assert audit[1].detail == {"name": "Nadia"} and audit[1].at == NOW
    assert audit[0].at > audit[1].at and audit[0].at.tzinfo is not None
    await admin.send("/staff log")
    [log] = await admin.wait_for_messages(1)
    assert "staff.remove 2001" in log["text"] and "staff.add 2001" in log["text"]


async def test_an_admin_adds_by_forwarding_a_message_in_portuguese(harness: Harness) -> None:
    admin = harness.resident(ADMIN_ID, "pt", "Admin")
    karim = await started(harness, 2002, "ar", "<b>Karim</b>")
    original = await karim.send("bom dia")
    await karim.wait_for_messages(1)
    await admin.forward(original)
    [offer] = await admin.wait_for_messages(1)
    assert offer["text"] == "Esta mensagem foi escrita por <b>Karim</b> (id 2002)."  # escaped
    assert labels(offer) == ["➕ Adicionar à equipa"]
    assert not await harness.services.staff.is_staff(2002)  # nothing until pressed
    query = await admin.press(offer, "➕ Adicionar à equipa")
    await admin.wait_for_callback_answer(query)
    done = await admin.wait_for_edit(offer["message_id"])
    assert done["text"] == "✅ <b>Karim</b> (id 2002) faz agora parte da equipa."
    assert await harness.services.staff.is_staff(2002)
    [told] = await karim.wait_for_messages(1)
    assert told["text"].startswith("أصبحت الآن عضوًا في فريق الجمعية")
    assert "gaps" in menu_of(harness, 2002)
    [entry] = await harness.services.staff.recent_audit(5)
    assert (entry.action, entry.subject, entry.detail) == (
        "staff.add",
        "2002",
        {"name": "<b>Karim</b>"},
    )
    await admin.forward(original)  # once more: already staff, no button
    [already] = await admin.wait_for_messages(1)
    assert already["text"] == "<b>Karim</b> (id 2002) já faz parte da equipa." and not labels(
        already
    )

    # A bot's message, and a person who hides their account when forwarded.
    bot_message = {"from": {"id": 777, "is_bot": True, "first_name": "Robot"}, "date": 0}
    await admin.forward({**bot_message, "text": "beep"})
    [bot_refused] = await admin.wait_for_messages(1)
    assert bot_refused["text"] == "Isto é um bot: só pessoas podem fazer parte da equipa."
    await admin.forward_hidden("Lina", "olá")
    [hidden] = await admin.wait_for_messages(1)
    assert hidden["text"].startswith("O Telegram esconde quem escreveu esta mensagem")
    assert "/myid" in hidden["text"] and "/staff add NÚMERO" in hidden["text"]
    lina = harness.resident(2003, "pt", "Lina")
    await lina.send("/myid")
    [my_id] = await lina.wait_for_messages(1)
    assert my_id["text"].startswith("O seu id do Telegram é 2003.")
    assert any(e["type"] == "code" for e in my_id.get("entities", []))
    await admin.send("/staff add 2003")
    [added] = await admin.wait_for_messages(1)
    assert added["text"] == "✅ Lina (id 2003) faz agora parte da equipa."  # name from Telegram


async def test_a_residents_forward_is_a_question_as_before(harness: Harness) -> None:
    amina = harness.resident(1001, "fr", "Amina")
    other = harness.resident(1002, "fr", "Sara")
    await amina.forward(other, "comment baisser ma facture d’eau ?")
    [reply] = await amina.wait_for_messages(1)
    assert "écrit par" not in reply["text"] and "eau" in reply["text"].lower()


async def test_residents_never_reach_staff_commands_or_buttons(harness: Harness) -> None:
    sam = await started(harness, 1005, "ar", "Sam")
    await sam.send("/pizza")
    [unknown] = await sam.wait_for_messages(1)
    for command in (
        "/staff",
        "/staff add 1005",
        "/gaps",
        "/reload",
        "/event_cancel 1",
        "/STAFF@bot",
    ):
        await sam.send(command)
        [reply] = await sam.wait_for_messages(1)
        name = command.split()[0].split("@")[0]
        # Word for word what any unknown command gets: staff commands are not advertised.
        assert reply["text"] == unknown["text"].replace("/pizza", name), command
        assert labels(reply) == labels(unknown)
    assert not await harness.services.staff.is_staff(1005)

    # Forged presses of the staff button: well-formed, cut, or naming an admin's own id.
    for data in (
        encode(AddStaff(1005, "Sam")),
        "sa:1005",
        "sa:x:y",
        encode(AddStaff(ADMIN_ID, "-")),
    ):
        query = await sam.press_data(unknown["message_id"], data)
        answer = await sam.wait_for_callback_answer(query)
        assert answer.get("text") == "هذا الزر لم يعد يعمل.", data  # as any stale button
        [stale] = await sam.wait_for_messages(1)
        assert stale["text"].startswith("هذا الزر لم يعد يعمل"), data
    assert not await harness.services.staff.is_staff(1005)
    assert await harness.services.staff.recent_audit(10) == []
    assert "staff" not in [c["command"] for c in harness.standin.commands(language_code="ar")]


async def test_bad_ids_get_a_polite_answer(harness: Harness) -> None:
    admin = harness.resident(ADMIN_ID, "ar", "Admin")
    for bad in ("abc", "-5", "0", "12.5", "9" * 30):
        await admin.send(f"/staff add {bad}")
        [reply] = await admin.wait_for_messages(1)
        assert "ليس معرّفًا في تيليغرام" in reply["text"] and "/myid" in reply["text"], bad
    await admin.send(f"/staff add {harness.standin.bot_id}")
    [bot] = await admin.wait_for_messages(1)
    assert bot["text"] == "هذا بوت: وحدهم الأشخاص يمكن أن يكونوا أعضاء في الفريق."
    await admin.send("/staff add")
    [usage] = await admin.wait_for_messages(1)
    assert usage["text"].startswith("الاستخدام:") and "/staff add رقم" in usage["text"]
    await admin.send("/staff add 5555")  # never wrote to the bot: no menu yet, said so
    [added] = await admin.wait_for_messages(1)
    assert added["text"].startswith("✅ أصبح المعرّف 5555 عضوًا في الفريق.")
    assert "لم يكتب هذا الشخص إلى البوت بعد" in added["text"]
    assert await harness.services.staff.is_staff(5555)
    await admin.send("/staff remove 6666")
    [not_staff] = await admin.wait_for_messages(1)
    assert not_staff["text"] == "المعرّف 6666 ليس عضوًا في الفريق."
    assert [a.action for a in await harness.services.staff.recent_audit(10)] == ["staff.add"]


async def test_staff_reload_and_link_groups_and_the_audit_log_says_who(harness: Harness) -> None:
    await harness.services.staff.add(ADMIN_ID, 2001, "Nadia")
    nadia = await started(harness, 2001, "en", "Nadia")
    amina = harness.resident(1001, "fr", "Amina")
    await nadia.send("/reload")
    [reloaded] = await nadia.wait_for_messages(1, timeout=RELOAD_WAIT)
    assert reloaded["text"].startswith("Content reloaded")
    group = harness.standin.group(-100777, "Les Tilleuls")
    await group.join(nadia, amina)
    await group.add_bot(nadia)
    await amina.send("/link_group les-tilleuls-bobigny", chat=group)
    [pointer] = await group.wait_for_messages(1)  # as any command the bot does not take here
    assert "conversation privée" in pointer["text"]
    assert await harness.services.profiles.group_chats("les-tilleuls-bobigny") == []
    await nadia.send("/link_group les-tilleuls-bobigny", chat=group)
    [linked] = await group.wait_for_messages(1)
    assert "Les Tilleuls" in linked["text"]
    assert await harness.services.profiles.group_chats("les-tilleuls-bobigny") == [-100777]
    await nadia.send("/unlink_group", chat=group)
    await group.wait_for_messages(1)
    audit = await harness.services.staff.recent_audit(10)
    assert [(a.action, a.actor_id, a.subject) for a in audit] == [
        ("group.unlink", 2001, "-100777"),
        ("group.link", 2001, "-100777"),
        ("content.reload", 2001, "content"),
        ("staff.add", ADMIN_ID, "2001"),
    ]
    assert audit[1].detail == {"residence": "les-tilleuls-bobigny", "title": "Les Tilleuls"}
    assert audit[2].detail["ok"] is True and audit[2].detail["entries"] > 0


async def test_the_service_refuses_what_only_admins_do(harness: Harness) -> None:
    staff = harness.services.staff
    with pytest.raises(NotAllowed):
        await staff.add(1001, 1002, None)
    assert await staff.add(ADMIN_ID, 1001, "  ")
    with pytest.raises(NotAllowed):
        await staff.remove(1001, 1001)
    with pytest.raises(AdminNotRemovable):
        await staff.remove(ADMIN_ID, ADMIN_ID)
    assert not await staff.add(ADMIN_ID, ADMIN_ID, None)  # admins are staff already
    [admin, member] = await staff.members()
    assert admin.admin and admin.user_id == ADMIN_ID
    assert (member.user_id, member.name, member.added_by) == (1001, None, ADMIN_ID)
    await staff.audit(1001, "announcement.create", "7", {"lang": "fr"})
    [entry, _add] = await staff.recent_audit(2)
    assert (entry.actor_id, entry.action, entry.subject, entry.detail) == (
        1001,
        "announcement.create",
        "7",
        {"lang": "fr"},
    )


async def test_staff_survive_a_restart_with_their_menu(
    standin: BotAPIStandin,
    database: Database,
    clock: FrozenClock,
    library: Library,
    catalogs: Catalogs,
    whatson: EventsLibrary,
) -> None:
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    try:
        admin = standin.user(ADMIN_ID, "Admin", language_code="fr")
        nadia = standin.user(2001, "Nadia", language_code="es")
        await nadia.send("/start")
        await nadia.wait_for_messages(1)
        await admin.send("/staff add 2001")
        await admin.wait_for_messages(1)
    finally:
        await stop_app(assistant)
    standin.command_menus.clear()  # what the next start sets, it sets again
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    try:
        assert await assistant.services.staff.is_staff(2001)
        menu = standin.commands("chat", chat_id=2001)
        assert "gaps" in [c["command"] for c in menu]
        assert any(c["description"] == "Preguntas sin buena respuesta" for c in menu)
        nadia.mark_read()
        await nadia.send("/gaps")
        [gaps] = await nadia.wait_for_messages(1)
        assert "/gaps" not in gaps["text"]
    finally:
        await stop_app(assistant)
