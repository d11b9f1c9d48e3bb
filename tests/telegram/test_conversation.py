"""The assistant runs: residents talk to the real Application over HTTP through the stand-in."""

from __future__ import annotations

import asyncio
import logging

from bot.residents.models import Resident
from tests.conftest import Harness, run_process, start_app, stop_app


def buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def resident_row(harness: Harness, user_id: int) -> Resident | None:
    async with harness.db.session() as session:
        return await session.get(Resident, user_id)


async def test_start_welcomes_in_french_with_the_main_menu(harness: Harness) -> None:
    amina = harness.resident(1001, "fr", "Amina")
    await amina.send("/start")
    [reply] = await amina.wait_for_messages(1)
    assert reply["text"].startswith("Bonjour Amina !")
    assert "ressourcerie" in reply["text"]
    assert any(e["type"] == "bold" for e in reply.get("entities", []))
    labels = buttons(reply)
    assert len(labels) == 4
    assert any("Langue" in label for label in labels)
    row = await resident_row(harness, 1001)
    assert row is not None and row.chat_id == 1001 and row.telegram_language == "fr"
    assert row.language is None and row.blocked is False


async def test_telegram_language_is_used_when_supported(harness: Harness) -> None:
    joao = harness.resident(1002, "pt-BR", "João")
    await joao.send("/start")
    [reply] = await joao.wait_for_messages(1)
    assert reply["text"].startswith("Olá João!")
    karim = harness.resident(1003, "ar", "Karim")
    await karim.send("/help")
    [reply] = await karim.wait_for_messages(1)
    assert "/language" in reply["text"] and "اللغة" in reply["text"]
    hans = harness.resident(1004, "de", "Hans")
    await hans.send("/start")
    [reply] = await hans.wait_for_messages(1)
    assert reply["text"].startswith("Bonjour Hans !")  # unsupported -> DEFAULT_LOCALE


async def test_language_keyboard_changes_and_stores_the_language(harness: Harness) -> None:
    amina = harness.resident(1001, "fr", "Amina")
    await amina.send("/language")
    [menu] = await amina.wait_for_messages(1)
    labels = buttons(menu)
    for name in ("Français", "English", "العربية", "Português", "Español"):
        assert any(name in label for label in labels)
    assert any(label.startswith("✅") and "Français" in label for label in labels)
    await amina.press(menu, "l:ar")
    edited = await amina.wait_for_edit(menu["message_id"])
    assert "العربية" in edited["text"]
    row = await resident_row(harness, 1001)
    assert row is not None and row.language == "ar"
    await amina.send("/help")
    [reply] = await amina.wait_for_messages(1)
    assert "/language" in reply["text"] and "اللغة" in reply["text"]


async def test_command_menu_is_registered_per_language(harness: Harness) -> None:
    default = harness.standin.commands()
    assert [c["command"] for c in default] == [
        "start",
        "help",
        "language",
        "settings",
        "privacy",
        "mydata",
        "forget",
        "stop",
    ]
    arabic = harness.standin.commands(language_code="ar")
    spanish = harness.standin.commands(language_code="es")
    assert arabic and spanish and arabic != spanish
    assert default == harness.standin.commands(language_code="fr")


async def test_staff_see_gaps_in_their_command_menu(
    standin, database, clock, library, catalogs
) -> None:
    from tests.conftest import ADMIN_ID

    standin.user(ADMIN_ID, "Staff", language_code="fr")  # has started the bot
    assistant = await start_app(standin, database, clock, library, catalogs)
    try:
        staff = standin.commands("chat", chat_id=ADMIN_ID)
        assert [c["command"] for c in staff] == [
            "start",
            "help",
            "language",
            "settings",
            "privacy",
            "mydata",
            "forget",
            "stop",
            "gaps",
            "reload",
            "event_cancel",
            "event_move",
            "link_group",
            "unlink_group",
            "staff",
            "announce",
            "announcements",
            "web",
        ]
        assert "gaps" not in [c["command"] for c in standin.commands()]
    finally:
        await stop_app(assistant)


async def test_unknown_command_gets_a_polite_localized_answer(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    await sam.send("/pizza")
    [reply] = await sam.wait_for_messages(1)
    assert "/pizza" in reply["text"] and "Sorry" in reply["text"]
    assert len(buttons(reply)) == 4


async def test_stickers_photos_voice_and_locations_are_answered(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    await sam.send_sticker()
    await sam.send_photo()
    await sam.send_voice()
    await sam.send_document()
    replies = await sam.wait_for_messages(4)
    texts = [r["text"] for r in replies]
    assert "sticker" in texts[0]
    assert "pictures" in texts[1]
    assert "voice" in texts[2]
    assert "files" in texts[3]
    assert all(len(buttons(r)) == 4 for r in replies)
    await sam.send_location()  # a shared location finds the nearest pop-up shops
    thanks, nearest = await sam.wait_for_messages(2)
    assert thanks["text"].startswith("📍") and "nearest pop-up shops" in nearest["text"]


async def test_edited_messages_and_stale_buttons(harness: Harness) -> None:
    sam = harness.resident(1005, "es", "Sam")
    sent = await sam.send("hola")
    await sam.wait_for_messages(1)
    await sam.edit(sent["message_id"], "hola otra vez")
    [reply] = await sam.wait_for_messages(1)
    assert "nuevos" in reply["text"] or "nueva" in reply["text"]
    query = await sam.press_data(reply["message_id"], "forged:data")
    answer = await sam.wait_for_callback_answer(query)
    assert answer.get("text")
    [menu] = await sam.wait_for_messages(1)
    assert len(buttons(menu)) == 4
    query = await sam.press_data(reply["message_id"], "l:xx")
    await sam.wait_for_callback_answer(query)


async def test_blocking_and_unblocking_is_stored(harness: Harness) -> None:
    amina = harness.resident(1001, "fr", "Amina")
    await amina.send("/start")
    await amina.wait_for_messages(1)
    await amina.block()
    for _ in range(200):
        row = await resident_row(harness, 1001)
        if row is not None and row.blocked:
            break
        await asyncio.sleep(0.01)
    assert row is not None and row.blocked and row.blocked_at is not None
    await amina.unblock()
    for _ in range(200):
        row = await resident_row(harness, 1001)
        if row is not None and not row.blocked:
            break
        await asyncio.sleep(0.01)
    assert row is not None and not row.blocked


async def test_names_are_escaped_as_html(harness: Harness) -> None:
    tricky = harness.resident(1006, "en", "<b>Tom & Jerry</b>")
    await tricky.send("/start")
    [reply] = await tricky.wait_for_messages(1)
    assert reply["text"].startswith("Hello <b>Tom & Jerry</b>!")


async def test_errors_get_an_apology_and_the_bot_keeps_serving(harness: Harness, caplog) -> None:
    sam = harness.resident(1005, "en", "Sam")
    harness.standin.fail_next("sendMessage", 400, "Bad Request: something unexpected")
    with caplog.at_level(logging.ERROR):
        await sam.send("/start")
        [apology] = await sam.wait_for_messages(1)
    assert "Sorry, something went wrong" in apology["text"]
    assert "Traceback" not in apology["text"]
    assert any("something unexpected" in r.getMessage() or r.exc_info for r in caplog.records)
    await sam.send("/start")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("Hello Sam!")


async def test_flood_limit_is_retried_after_the_delay(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    harness.standin.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", 1)
    await sam.send("/start")
    [reply] = await sam.wait_for_messages(1, timeout=10)
    assert reply["text"].startswith("Hello Sam!")


async def test_replies_to_one_resident_stay_in_order(harness: Harness) -> None:
    sam = harness.resident(1005, "en", "Sam")
    lina = harness.resident(1007, "es", "Lina")
    for command in ("/start", "/help", "/pizza", "/language", "/start"):
        await sam.send(command)
        await lina.send(command)
    for user, first in ((sam, "Hello Sam!"), (lina, "¡Hola, Lina!")):
        replies = await user.wait_for_messages(5)
        assert replies[0]["text"].startswith(first)
        assert "/language" in replies[1]["text"]
        assert "/pizza" in replies[2]["text"]
        assert len(buttons(replies[3])) == 6
        assert replies[4]["text"].startswith(first)


async def test_the_language_survives_a_restart(standin, database, clock, library, catalogs) -> None:
    assistant = await start_app(standin, database, clock, library, catalogs)
    amina = standin.user(1001, "Amina", language_code="fr")
    await amina.send("/language")
    [menu] = await amina.wait_for_messages(1)
    await amina.press(menu, "l:es")
    await amina.wait_for_edit(menu["message_id"])
    await stop_app(assistant)

    assistant = await start_app(standin, database, clock, library, catalogs)
    try:
        await amina.send("/start")
        [reply] = await amina.wait_for_messages(1)
        assert reply["text"].startswith("¡Hola, Amina!")
    finally:
        await stop_app(assistant)


def test_the_token_is_masked_everywhere_in_logs() -> None:
    """httpx logs request URLs and PTB's InvalidToken names the token: both are masked, in
    the message and in the traceback. (The run test below checks the whole set-up.)"""
    from bot.logs import RedactingFormatter

    token = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    formatter = RedactingFormatter("%(message)s", (token,))
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        'HTTP Request: POST %s "HTTP/1.1 200 OK"',
        (f"http://127.0.0.1:9/bot{token}/sendMessage",),
        None,
    )
    assert token not in formatter.format(record)
    assert "/bot<token>/sendMessage" in formatter.format(record)
    try:
        raise RuntimeError(f"The token `{token}` was rejected by the server.")
    except RuntimeError:
        import sys

        failed = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    text = formatter.format(failed)
    assert "Traceback" in text and token not in text and "AAHdq" not in text


async def log_line(process: asyncio.subprocess.Process, wanted: str) -> str:
    """Read the process's log until a line contains `wanted`; return what was read."""
    assert process.stdout is not None
    read = []
    while True:
        line = (await asyncio.wait_for(process.stdout.readline(), timeout=30)).decode()
        assert line, f"the process ended before logging {wanted!r}"
        read.append(line)
        if wanted in line:
            return "".join(read)


async def test_run_serves_residents_reloads_on_sighup_and_stops_on_sigterm(
    standin, tmp_path
) -> None:
    """`residents-bot run` as deployed: a separate process, long polling the Bot API URL;
    SIGHUP reloads the content files (a bad edit keeps the content), SIGTERM stops it."""
    import os
    import shutil
    import signal

    from tests.answers.test_content import edit_title
    from tests.conftest import ROOT

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "CONTENT_DIR": str(content),
        "LOG_LEVEL": "DEBUG",
    }
    process = await run_process(env)
    try:
        amina = standin.user(1001, "Amina", language_code="fr")
        await amina.send("/start")
        [reply] = await amina.wait_for_messages(1, timeout=60)
        assert "1/3" in reply["text"]  # a newcomer: the first onboarding step
        edit_title(content, "heating-set-point", "fr", "Chauffage : le bon réglage")
        process.send_signal(signal.SIGHUP)
        seen = await log_line(process, "content reloaded on SIGHUP")
        await amina.send("a combien regler le chauffage dans la chambre")
        [card] = await amina.wait_for_messages(1, timeout=30)
        assert card["text"].startswith("Chauffage : le bon réglage")
        (content / "entries" / "water.yaml").write_text("entries: [oops", encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        seen += await log_line(process, "content NOT reloaded")
        await amina.send("a combien regler le chauffage dans la chambre")
        [card] = await amina.wait_for_messages(1, timeout=30)
        assert card["text"].startswith("Chauffage : le bon réglage")  # still served
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    log = seen + output.decode()
    assert standin.token.split(":")[1] not in log
    assert "Traceback" not in log
    assert "water.yaml" in log  # the problem is named
