"""/gaps (staff only): this week's questions with no confident answer or a 👎, most asked first."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.i18n import HTML
from handlers.context import BotContext
from handlers.replies import bold, show

DAYS = 7


async def gaps(update: Update, context: BotContext) -> None:
    user = update.effective_user
    t = context.t
    services = context.services
    if not services.is_admin(user.id if user else None):
        await show(update, t._("Sorry, this command is for the association's staff."), edit=False)
        return
    rows = await services.questions.gaps(days=DAYS)
    if not rows:
        await show(
            update, t._("No unanswered question in the last {days} days.", days=DAYS), edit=False
        )
        return
    lines = [bold(t._("Questions without a good answer, last {days} days", days=DAYS))]
    for number, gap in enumerate(rows, start=1):
        details = []
        if gap.unanswered:
            details.append(t.ngettext("{n} without answer", "{n} without answer", gap.unanswered))
        if gap.unhelpful:
            details.append(t.ngettext("{n} 👎", "{n} 👎", gap.unhelpful))
        lines.append(
            t._(
                "{number}. ×{count} [{lang}] “{question}” — {details}",
                number=number,
                count=gap.count,
                lang=gap.lang,
                question=gap.text,
                details=HTML(", ".join(details)),
            )
        )
    await show(update, "\n".join(lines), edit=False)


# Residents' questions are shown only in a private chat, never in a group.
HANDLERS = [CommandHandler("gaps", gaps, filters.ChatType.PRIVATE)]
