"""What simulated users do (places, forwards, groups) and what the bot sends them (files),
read through a real PTB Bot and Application."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageOriginUser
from telegram.error import Forbidden

from bot.standin import BotAPIStandin

ICS = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Repair caf\xc3\xa9\r\nEND:VEVENT\r\n"


async def test_location_venue_and_forward_reach_the_bot(server: BotAPIStandin, bot: Bot) -> None:
    amina, lina = server.user(5001, "Amina"), server.user(5002, "Lina", username="lina")
    await amina.send_location(48.8566, 2.3522)
    await amina.send_venue(48.85, 2.35, "Repair café", "12 rue des Lilas")
    await amina.forward(lina, "The shop opens at 10")
    said = await lina.send("Leak on floor 3")  # in her own chat with the bot
    await amina.forward(said)
    location, venue, forwarded, _, again = [u.message for u in await bot.get_updates()]
    assert location is not None and location.location is not None
    assert location.location.longitude == 2.3522
    assert venue is not None and venue.venue is not None and venue.location is not None
    assert (venue.venue.title, venue.venue.address) == ("Repair café", "12 rue des Lilas")
    assert forwarded is not None and forwarded.text == "The shop opens at 10"
    origin = forwarded.forward_origin
    assert isinstance(origin, MessageOriginUser) and origin.sender_user.username == "lina"
    assert again is not None and again.text == "Leak on floor 3"
    assert again.chat.id == 5001 and again.forward_origin is not None


async def test_documents_the_bot_sends_can_be_read_back(server: BotAPIStandin, bot: Bot) -> None:
    sam = server.user(5003, "Sam")
    export = json.dumps({"questions": 3}).encode()
    sent = await bot.send_document(5003, InputFile(ICS, filename="repair.ics"), caption="Save")
    await bot.send_document(5003, InputFile(export, filename="export.json"))
    message = await sam.wait_for_document("repair.ics")
    document = message["document"]
    assert (document["file_name"], document["mime_type"]) == ("repair.ics", "text/calendar")
    assert server.file_bytes(document["file_id"]) == ICS and message["caption"] == "Save"
    assert sent.document is not None and sent.document.file_size == len(ICS)
    exported = await sam.wait_for_document("export.json")
    assert json.loads(server.file_bytes(exported["document"]["file_id"])) == {"questions": 3}
    assert exported["document"]["mime_type"] == "application/json"
    assert server.calls_of("sendDocument")[0]["document"] == f"<file repair.ics {len(ICS)} bytes>"


async def test_photos_must_be_images(server: BotAPIStandin, bot: Bot) -> None:
    server.user(5004)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x40\x00\x00\x00\xf0" + b"\x00" * 8
    sent = await bot.send_photo(5004, png, caption="<i>Vue</i>", parse_mode="HTML")
    assert [(p.width, p.height) for p in sent.photo] == [(90, 68), (320, 240)]
    assert sent.caption == "Vue" and sent.caption_entities[0].type == "italic"
    with pytest.raises(Exception, match="Image_process_failed"):
        await bot.send_photo(5004, b"not an image")
    with pytest.raises(Exception, match="File must be non-empty"):
        await bot.send_document(5004, InputFile(b"", filename="empty.txt"))


async def test_group_privacy_mode_mentions_replies_and_commands(
    server: BotAPIStandin, app: Any
) -> None:
    amina, lina = server.user(5005, "Amina"), server.user(5006, "Lina")
    group = server.group(-1005005, "Les Lilas")
    await group.join(amina, lina)
    await group.add_bot(by=amina)

    await lina.send("Anyone has a drill?", chat=group)  # not for the bot: it never sees it
    asked = await lina.mention_bot("when does the repair café open?", chat=group)
    assert asked["entities"] == [{"type": "mention", "offset": 0, "length": 19}]
    reply = await group.wait_for_message()
    assert reply["text"] == asked["text"] and reply["chat"]["type"] == "supergroup"
    await amina.send("thanks!", chat=group, reply_to=reply["message_id"])
    assert (await group.wait_for_message())["text"] == "thanks!"
    await amina.send("/start@residents_test_bot lilas", chat=group)
    menu = await group.wait_for_message()
    assert menu["text"] == "Welcome lilas" and group.inbox[-1] is menu
    assert not group.is_for_bot(await amina.send("/start@some_other_bot", chat=group))
    assert group.is_for_bot(
        await amina.send("/help@some_other_bot @residents_test_bot", chat=group)
    )
    await lina.send("/start", chat=group)
    assert (await group.wait_for_message())["text"] == "Welcome"
    texts = [m.get("text") for m in group.messages]
    assert "Anyone has a drill?" in texts and group.sent_count == 4
    assert "Anyone has a drill?" not in [c["text"] for c in server.calls_of("sendMessage")]


async def test_bot_removed_from_a_group_gets_403(server: BotAPIStandin, bot: Bot) -> None:
    amina = server.user(5007)
    group = server.group(-5007, "Basic", type="group")
    with pytest.raises(Forbidden, match="bot is not a member of the group chat"):
        await bot.send_message(-5007, "hello")
    await group.join(amina)
    await group.add_bot(by=amina, admin=True)
    await amina.send("no mention, but the bot is an admin", chat=group)
    await bot.send_message(-5007, "hello")
    await group.remove_bot(by=amina)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(-5007, "still there?")
    updates = await bot.get_updates()
    changes = [u.my_chat_member for u in updates if u.my_chat_member]
    statuses = [(c.old_chat_member.status, c.new_chat_member.status) for c in changes]
    assert statuses == [("left", "administrator"), ("administrator", "kicked")]
    texts = [u.message.text for u in updates if u.message and u.message.text]
    assert texts == ["no mention, but the bot is an admin"]


async def test_user_edits_and_group_buttons(server: BotAPIStandin, bot: Bot) -> None:
    amina = server.user(5008)
    group = server.group(-1005008)
    await group.join(amina)
    await group.add_bot(by=amina)
    first = await amina.send("/help@residents_test_bot", chat=group)
    await amina.edit(first["message_id"], "/help@residents_test_bot please", chat=group)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
    sent = await bot.send_message(-1005008, "Sure?", reply_markup=markup)
    query_id = await amina.press(group.message(sent.message_id) or {}, "Yes")
    updates = await bot.get_updates(allowed_updates=["message", "edited_message", "callback_query"])
    edited = [u.edited_message for u in updates if u.edited_message]
    assert edited and edited[0].text == "/help@residents_test_bot please"
    query = next(u.callback_query for u in updates if u.callback_query)
    assert query.id == query_id and query.message is not None
    assert query.message.chat.id == -1005008
    await bot.answer_callback_query(query_id, "ok")
    assert (await amina.wait_for_callback_answer(query_id))["text"] == "ok"
