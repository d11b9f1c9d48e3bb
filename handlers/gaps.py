"""/gaps (staff only): this week's questions with no confident answer or a 👎, most asked first,
and the messages that got the emergency numbers or one number above their answer (so a false
alarm or a miss can be fixed in content/emergencies.yaml or content/emergency_messages.yaml)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.answers.questions import Raised
from bot.i18n import HTML
from handlers.access import staff_only
from handlers.context import BotContext
from handlers.replies import bold, show

DAYS = 7


async def gaps(update: Update, context: BotContext) -> None:
    if not await staff_only(update, context):
        return
    t = context.t
    services = context.services
    rows = await services.questions.gaps(days=DAYS)
    raised = await services.questions.emergencies(days=DAYS)
    emergencies = emergency_lines(context, raised)
    if not rows:
        text = t._("No unanswered question in the last {days} days.", days=DAYS)
        await show(update, "\n\n".join([text, *emergencies]), edit=False)
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
    await show(update, "\n\n".join(["\n".join(lines), *emergencies]), edit=False)


def emergency_lines(context: BotContext, raised: list[Raised]) -> list[str]:
    """The messages that got the emergency numbers, by kind, then those that got a number above
    their answer (one block each, none if empty)."""
    t = context.t
    kinds = context.services.answers.answerer.emergencies.by_id()
    fallback = context.services.catalogs.default_locale
    blocks = []
    for sure, title in (
        (True, t._("🆘 Emergency numbers given, last {days} days", days=DAYS)),
        (False, t._("⚠️ A number shown above the answer (unsure), last {days} days", days=DAYS)),
    ):
        lines = [bold(title)]
        for item in (r for r in raised if r.sure is sure):
            kind = kinds.get(item.kind)
            name = kind.text(t.locale, fallback).name if kind else item.kind
            lines.append(
                t._(
                    "×{count} {kind} [{lang}] “{question}”",
                    count=item.count,
                    kind=name,
                    lang=item.lang,
                    question=item.text,
                )
            )
        if len(lines) > 1:
            blocks.append("\n".join(lines))
    return blocks


# Residents' questions are shown only in a private chat, never in a group.
HANDLERS = [CommandHandler("gaps", gaps, filters.ChatType.PRIVATE)]
