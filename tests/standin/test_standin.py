"""The Bot API stand-in's core methods, driven by a real python-telegram-bot Bot and
Application (no mocks): if PTB accepts its answers and raises the right exceptions, end-to-end
tests built on it mean something."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter

from bot.standin import BotAPIStandin, SimUser
from tests.standin.conftest import TOKEN, make_bot, seconds


@pytest.mark.asyncio
async def test_get_me(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "residents_test_bot")
    assert me.first_name == "Residents Assistant"
    assert me.can_join_groups is True and me.supports_inline_queries is False
    assert me.has_main_web_app is False and me.can_connect_to_business is False


@pytest.mark.asyncio
async def test_echo_round_trip_through_application(server: BotAPIStandin, app: Any) -> None:
    events: list[tuple[int, str]] = []
    server.on_bot_message = lambda chat_id, message, kind: events.append((chat_id, kind))
    amina = server.user(1001, "Amina")
    sent = await amina.send("Bonjour 👋")
    assert sent["from"]["language_code"] == "fr" and sent["chat"]["type"] == "private"
    (reply,) = await amina.wait_for_messages()
    assert reply["text"] == "Bonjour 👋"
    assert reply["from"]["id"] == 123456 and reply["chat"]["id"] == 1001
    assert reply["message_id"] == sent["message_id"] + 1
    assert events == [(1001, "new")]
    assert ("sendmessage", {"chat_id": 1001, "text": "Bonjour 👋"}) in server.calls


@pytest.mark.asyncio
async def test_command_keyboard_press_answer_and_edit(server: BotAPIStandin, app: Any) -> None:
    user = server.user(1002, "Karim")
    sent = await user.send("/start@residents_test_bot quartier")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 25}]
    menu = await user.wait_for_message()
    assert menu["text"] == "Welcome quartier"
    assert menu["entities"] == [{"type": "bold", "offset": 0, "length": 7}]
    assert menu["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "answer:yes"

    with pytest.raises(AssertionError, match="has no callback_data"):
        await user.press(menu, "Site")
    query_id = await user.press(menu, "Yes")
    edited = await user.wait_for_edit(menu["message_id"])
    assert edited["text"] == "You chose answer:yes" and "edit_date" in edited
    assert "reply_markup" not in edited  # editMessageText without markup drops the keyboard
    answer = await user.wait_for_callback_answer(query_id)
    assert answer["text"] == "Noted" and answer["callback_query_id"] == query_id
    assert user.callback_answers == [answer]
    assert [m["text"] for m in user.inbox] == ["You chose answer:yes"]

    with pytest.raises(AssertionError, match="no button 'Nope'"):
        await user.press(menu, "Nope")
    with pytest.raises(AssertionError, match="expected 1 new bot message"):
        await user.wait_for_messages(timeout=0.05)


@pytest.mark.asyncio
async def test_answer_callback_query_twice_or_unknown(server: BotAPIStandin, bot: Bot) -> None:
    user = server.user(1003)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    message = await bot.send_message(1003, "Pick", reply_markup=markup)
    query_id = await user.press(message.message_id, "go")
    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None and query.id == query_id and query.data == "go"
    assert query.message is not None and query.message.message_id == message.message_id
    assert await bot.answer_callback_query(query_id, text="ok")
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="query id is invalid"):
        await bot.answer_callback_query("424242")


@pytest.mark.asyncio
async def test_html_parsing_and_errors(server: BotAPIStandin, bot: Bot) -> None:
    server.user(1004)
    html = '😀 <b>Eau</b> &amp; <a href="https://example.org">énergie</a> &lt;3'
    message = await bot.send_message(1004, html, parse_mode="HTML")
    assert message.text == "😀 Eau & énergie <3"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 3, 3),
        ("text_link", 9, 7),
    ]
    assert message.entities[1].url == "https://example.org/"

    cases = {
        "<foo>bar</foo>": 'unsupported start tag "foo" at byte offset 0',
        "<b>open": 'can\'t find end tag corresponding to start tag "b"',
        "1 < 2": 'unsupported start tag "" at byte offset 2',
        "<b>x</i>": 'unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
        "done</b>": "unexpected end tag at byte offset 4",
    }
    for text, expected in cases.items():
        with pytest.raises(BadRequest) as caught:
            await bot.send_message(1004, text, parse_mode="HTML")
        assert caught.value.message.lower() == f"can't parse entities: {expected}", text

    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1004, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(1004, "*Fin*", parse_mode="MarkdownV2")
    bold = MessageEntity("bold", 0, 3)
    plain = await bot.send_message(1004, "Eau <b>", entities=[bold])
    assert plain.text == "Eau <b>" and plain.entities == (bold,)


@pytest.mark.asyncio
async def test_length_limit_counts_utf16_after_parsing(server: BotAPIStandin, bot: Bot) -> None:
    server.user(1005)
    await bot.send_message(1005, "a" * 4096)
    await bot.send_message(1005, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")
    await bot.send_message(1005, "😀" * 2048)
    for text in ("a" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(1005, text)
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "hello")


@pytest.mark.asyncio
async def test_blocked_user_gets_forbidden_and_my_chat_member(
    server: BotAPIStandin, bot: Bot
) -> None:
    user = server.user(1006, "Lea")
    message = await bot.send_message(1006, "Hi")
    await user.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(1006, "Still there?")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("Edited", chat_id=1006, message_id=message.message_id)
    (update,) = await bot.get_updates(allowed_updates=Update.ALL_TYPES)
    member = update.my_chat_member
    assert member is not None and member.from_user.id == 1006
    assert (member.old_chat_member.status, member.new_chat_member.status) == ("member", "kicked")
    await user.unblock()
    assert (await bot.send_message(1006, "Welcome back")).text == "Welcome back"
    updates = await bot.get_updates(offset=update.update_id + 1)
    assert [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member] == [
        "member"
    ]


@pytest.mark.asyncio
async def test_injected_errors_reach_ptb_as_telegram_errors(
    server: BotAPIStandin, bot: Bot
) -> None:
    server.user(1007)
    server.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryAfter) as caught, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        await bot.send_message(1007, "three")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert seconds(caught.value.retry_after) == 7
    server.fail_next("sendmessage", 400, "Bad Request: something odd")
    with pytest.raises(BadRequest, match="Something odd"):
        await bot.send_message(1007, "four")
    assert (await bot.send_message(1007, "five")).text == "five"
    assert server.faults.count("sendMessage", 429) == 1 and server.faults.count() == 1


@pytest.mark.asyncio
async def test_edit_errors_and_button_data(server: BotAPIStandin, bot: Bot) -> None:
    user = server.user(1008)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("OK", callback_data="ok")]])
    message = await bot.send_message(1008, "Same", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified: specified new message"):
        await bot.edit_message_text("Same", 1008, message.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("Same", 1008, message.message_id)  # drops the keyboard
    assert isinstance(edited, type(message)) and edited.reply_markup is None
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", 1008, 9999)
    assert await bot.delete_message(1008, message.message_id)
    assert user.inbox == [] and user.message(message.message_id) is None

    for data in ("x" * 65, "é" * 33, ""):
        bad = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data=data)]])
        with pytest.raises(BadRequest, match="Button_data_invalid"):
            await bot.send_message(1008, "Pick", reply_markup=bad)
    good = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="x" * 64)]])
    assert (await bot.send_message(1008, "Pick", reply_markup=good)).reply_markup == good

    reply = ReplyKeyboardMarkup([["Eau", "Énergie"]], resize_keyboard=True)
    sent = await bot.send_message(1008, "Menu", reply_markup=reply)
    assert sent.reply_markup is None and user.reply_keyboard is not None
    assert user.reply_keyboard["keyboard"] == [[{"text": "Eau"}, {"text": "Énergie"}]]


@pytest.mark.asyncio
async def test_commands_are_stored_per_scope_and_language(server: BotAPIStandin, bot: Bot) -> None:
    server.user(1009)
    assert await bot.set_my_commands([BotCommand("start", "Start")])
    assert await bot.set_my_commands([BotCommand("start", "Démarrer")], language_code="fr")
    chat_scope = BotCommandScopeChat(1009)
    assert await bot.set_my_commands([BotCommand("help", "Aide")], scope=chat_scope)
    assert server.commands() == [{"command": "start", "description": "Start"}]
    assert server.commands(language_code="fr") == [{"command": "start", "description": "Démarrer"}]
    assert server.commands("chat", chat_id=1009) == [{"command": "help", "description": "Aide"}]
    assert [c.description for c in await bot.get_my_commands(language_code="fr")] == ["Démarrer"]
    assert await bot.delete_my_commands(language_code="fr")
    assert server.commands(language_code="fr") == [] and await bot.get_my_commands() != ()
    assert [p.get("language_code") for p in server.calls_of("setMyCommands")] == [None, "fr", None]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Command", "x")])
    with pytest.raises(BadRequest, match="Chat not found"):  # a chat that never wrote to us
        await bot.set_my_commands([BotCommand("gaps", "x")], scope=BotCommandScopeChat(4242))


@pytest.mark.asyncio
async def test_wrong_token_unknown_method_and_raw_http(server: BotAPIStandin) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(server, "123456:WRONG"):
            pass
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        unauthorized = await client.get("/bot123456:WRONG/getMe")
        assert unauthorized.status_code == 401
        assert unauthorized.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
        missing = await client.post(f"/bot{TOKEN}/sendTelepathy")
        assert missing.status_code == 404
        assert missing.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        me = await client.get(f"/bot{TOKEN}/GETME")
        assert me.json()["result"]["username"] == "residents_test_bot"
        empty = await client.get(f"/bot{TOKEN}/sendMessage", params={"text": "hi"})
        assert empty.status_code == 400
        assert empty.json()["description"] == "Bad Request: chat_id is empty"
        server.user(1010)
        sent = await client.post(
            f"/bot{TOKEN}/sendMessage",
            json={"chat_id": 1010, "text": "x", "reply_markup": '{"inline_keyboard": []}'},
        )
        assert sent.json()["ok"] is True and "reply_markup" not in sent.json()["result"]


@pytest.mark.asyncio
async def test_get_updates_offsets_and_long_polling(server: BotAPIStandin, bot: Bot) -> None:
    user = server.user(1011)
    for text in ("a", "b", "c"):
        await user.send(text)
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["a", "b"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["c"]
    assert server.pending_update_count == 1  # confirmed only by the next offset
    last = await bot.get_updates(offset=-1)
    assert [u.update_id for u in last] == [rest[-1].update_id]

    poll = asyncio.create_task(bot.get_updates(offset=rest[-1].update_id + 1, timeout=5))
    await server.wait_for_call("getUpdates")
    await user.edit(1, "a (edited)")
    (edited,) = await asyncio.wait_for(poll, 2)
    assert edited.edited_message is not None and edited.edited_message.text == "a (edited)"
    assert await bot.get_updates(offset=edited.update_id + 1, timeout=0) == ()


@pytest.mark.asyncio
async def test_resident_media_and_files_sent_back(server: BotAPIStandin, bot: Bot) -> None:
    user: SimUser = server.user(1012, "Sam", username="sam", language_code=None)
    await user.send_sticker("🌱")
    await user.send_photo("Fuite", data=b"\xff\xd8photo\xff\xd9")
    await user.send_voice(duration=4)
    await user.send_location(48.85, 2.35)
    await user.send_document("facture.pdf")
    messages = [u.message for u in await bot.get_updates() if u.message]
    sticker, photo, voice, location, document = messages
    assert sticker.sticker is not None and sticker.sticker.emoji == "🌱"
    assert photo.photo[-1].width == 1024 and photo.caption == "Fuite"
    assert [p.width for p in photo.photo] == [90, 320, 800, 1024]
    assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
    assert voice.api_kwargs == {} and user.message(voice.message_id)["voice"]["duration"] == 4
    assert location.location is not None and location.location.latitude == 48.85
    assert document.document is not None and document.document.mime_type == "application/pdf"
    assert sticker.from_user is not None and sticker.from_user.username == "sam"
    assert server.file_bytes(photo.photo[-1].file_id) == b"\xff\xd8photo\xff\xd9"

    again = await bot.send_document(1012, document.document.file_id)
    assert again.document is not None and again.document.file_name == "facture.pdf"
    with pytest.raises(BadRequest, match=r"(?i)file of type Document as Photo"):
        await bot.send_photo(1012, document.document.file_id)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(1012, photo="not-a-file-id")


@pytest.mark.asyncio
async def test_places_chat_actions_and_get_chat(server: BotAPIStandin, bot: Bot) -> None:
    user = server.user(1013, "Nour", username="nour")
    group = server.group(-1001013, "Les Lilas")
    sent = await bot.send_venue(1013, 48.85, 2.35, "Repair café", "12 rue des Lilas")
    assert sent.venue is not None and sent.location is not None
    assert (await bot.send_location(1013, 48.8, 2.3)).location is not None
    with pytest.raises(BadRequest, match="Wrong coordinates"):
        await bot.send_location(1013, 91, 2.3)
    assert [sorted(k for k in m if k in {"venue", "location"}) for m in user.inbox] == [
        ["location", "venue"],
        ["location"],
    ]
    assert await bot.send_chat_action(1013, "upload_document")
    assert user.chat_actions == ["upload_document"]
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(1013, "dancing")
    chat = await bot.get_chat(1013)
    assert (chat.type, chat.username, chat.first_name) == ("private", "nour", "Nour")
    info = await bot.get_chat(-1001013)
    assert (info.type, info.title) == ("supergroup", "Les Lilas") and group.inbox == []
