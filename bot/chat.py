"""`residents-bot chat`: the real application against an in-process Bot API stand-in, driven
from the terminal. No token, no network: how newcomers, editors and translators try the bot.
With piped input (`echo "..." | residents-bot chat`) it answers each line, then exits."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from bot.app import build_application, build_assistant, start, stop
from bot.config import Settings
from bot.standin import BotAPIStandin

CHAT_USER_ID = 1001


def speaker(name: str) -> str:
    """Bold on a terminal; plain when the output goes to a file or a pipe."""
    return f"\033[1m{name}:\033[0m" if sys.stdout.isatty() else f"{name}:"


def render(message: dict[str, Any], kind: str) -> tuple[str, list[dict[str, Any]]]:
    """A bot message as terminal text, and its inline buttons in reading order."""
    buttons: list[dict[str, Any]] = []
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        buttons.extend(row)
    lines = []
    label = "bot (edited)" if kind == "edit" else "bot"
    body = message.get("text") or message.get("caption") or ""
    if "venue" in message:  # a map pin
        venue = message["venue"]
        point = venue["location"]
        body = f"📍 {venue['title']}, {venue['address']}"
        body += f" ({point['latitude']}, {point['longitude']})"
    elif "document" in message:
        body = f"📎 {message['document'].get('file_name', '')} {body}".strip()
    lines.append(f"{speaker(label)} {body}")
    for number, button in enumerate(buttons, start=1):
        target = f" -> {button['url']}" if button.get("url") else ""
        lines.append(f"   [{number}] {button.get('text', '')}{target}")
    return "\n".join(lines), buttons


async def run_chat(settings: Settings, *, lang: str | None, name: str) -> int:
    standin = BotAPIStandin()
    await standin.start()
    settings = settings.model_copy(update={"telegram_api_url": standin.base_url})
    assistant = build_assistant(settings)
    build_application(assistant, token=standin.token)
    services = assistant.services
    interactive = sys.stdin.isatty()
    user = standin.user(CHAT_USER_ID, name, language_code=lang or settings.default_locale)
    latest: dict[str, Any] = {"message_id": None, "buttons": []}
    replied = asyncio.Event()

    def on_message(chat_id: int, message: dict[str, Any], kind: str) -> None:
        if chat_id != CHAT_USER_ID or kind == "delete":
            return
        text, buttons = render(message, kind)
        print(text, flush=True)
        if buttons:
            latest.update(message_id=message["message_id"], buttons=buttons)
        replied.set()

    standin.on_bot_message = on_message
    await start(assistant, replay=False)
    t = services.catalogs.get(services.catalogs.resolve(None, lang or settings.default_locale))
    print(t._("Type a message, or the number of a button to press it. Ctrl-D to quit."))
    try:
        await user.send("/start")
        while True:
            await _settle(replied)
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                break
            line = line.strip()
            if not line:
                continue
            if not interactive:
                print(f"{speaker('you')} {line}", flush=True)
            replied.clear()
            if line.isdigit() and latest["buttons"] and 1 <= int(line) <= len(latest["buttons"]):
                button = latest["buttons"][int(line) - 1]
                if button.get("callback_data"):
                    query = await user.press_data(latest["message_id"], button["callback_data"])
                    answer = await user.wait_for_callback_answer(query, timeout=10)
                    if answer.get("text"):  # a toast in Telegram
                        print(f"   ({answer['text']})", flush=True)
                else:
                    print(f"   {button.get('url', '')}")
                    replied.set()
            else:
                await user.send(line)
    finally:
        await stop(assistant)
        await assistant.close()
        await standin.stop()
    return 0


async def _settle(replied: asyncio.Event) -> None:
    """Let the bot's replies print before the next prompt: wait for the first, then for quiet."""
    try:
        await asyncio.wait_for(replied.wait(), timeout=5)
        while True:
            replied.clear()
            await asyncio.wait_for(replied.wait(), timeout=0.3)
    except TimeoutError:
        return
