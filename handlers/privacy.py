"""Privacy: /privacy (what is stored, why, how long, and how to export or erase it), /mydata
(a JSON file of everything stored about the resident) and /forget (after a confirmation,
every row about them is deleted). See privacy.mmd."""

from __future__ import annotations

import json

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.i18n import Translator
from bot.telegram.callbacks import button, is_kind
from handlers.buttons import ConfirmForget
from handlers.context import BotContext
from handlers.fallback import mine
from handlers.menu import back_to_menu
from handlers.replies import bold, show


def privacy_text(t: Translator, months: int = 12) -> str:
    return "\n".join(
        [
            bold(t._("🔒 Your data")),
            t._(
                "I keep only what I need to serve you: your Telegram id, your language, your "
                "residence and entrance, the topics you follow, your quiet hours and the "
                "reminders you asked for. No phone number, no name, no message linked to you."
            ),
            t._(
                "Your questions are kept without any link to you, to improve the answers, and "
                "deleted after {months} months.",
                months=months,
            ),
            t._(
                "If you do not write to me for {months} months, your profile is deleted.",
                months=months,
            ),
            t._("/mydata: receive everything I keep about you\n/forget: erase it all"),
        ]
    )


async def privacy_command(update: Update, context: BotContext) -> None:
    settings = context.services.settings
    months = max(1, round(settings.profile_retention_days / 30.4))
    await show(update, privacy_text(context.t, months), back_to_menu(context.t), edit=False)


async def mydata(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    data = await context.services.profiles.export(user.id) or {}
    payload = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    await chat.send_document(
        InputFile(payload, filename="my-data.json"),
        caption=context.t._("Here is everything I keep about you."),
    )


async def forget_command(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    t = context.t
    keyboard = InlineKeyboardMarkup(
        [
            [button(t._("🗑 Yes, erase everything"), ConfirmForget(user.id, True))],
            [button(t._("No, keep my data"), ConfirmForget(user.id, False))],
        ]
    )
    await show(
        update,
        "\n".join(
            [
                bold(t._("Erase everything I know about you?")),
                t._(
                    "Your language, residence, topics, settings and reminders will be deleted. "
                    "This cannot be undone."
                ),
            ]
        ),
        keyboard,
        edit=False,
    )


async def on_confirm(update: Update, context: BotContext) -> None:
    data = await mine(update, context, ConfirmForget)
    query = update.callback_query
    if data is None or query is None:
        return
    t = context.t
    await query.answer()
    if not data.yes:
        await show(update, t._("Nothing was erased."), back_to_menu(t))
        return
    await context.services.profiles.forget(data.owner)
    await show(
        update,
        t._("Done: everything I knew about you is erased. Send /start to begin again."),
    )


PRIVATE = filters.ChatType.PRIVATE
HANDLERS = [
    CommandHandler("privacy", privacy_command, PRIVATE),
    CommandHandler("mydata", mydata, PRIVATE),
    CommandHandler("forget", forget_command, PRIVATE),
    CallbackQueryHandler(on_confirm, pattern=is_kind(ConfirmForget)),
]
