"""/reload (staff only): load the content files again without a restart.

A bad edit keeps the content in service and the staff member reads every problem found.
Each worker reloads on its own: with several, send SIGHUP to each (see the README).
"""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.ext import CommandHandler, filters

from bot.answers.content import ContentError
from handlers.access import staff_only
from handlers.context import BotContext
from handlers.replies import bold, show

log = logging.getLogger(__name__)
MAX_PROBLEMS = 20


async def reload_content(update: Update, context: BotContext) -> None:
    if not await staff_only(update, context):
        return
    user = update.effective_user
    actor = user.id if user else 0
    t = context.t
    services = context.services
    try:
        answerer = await services.reload_content()
    except ContentError as exc:
        await services.staff.audit(
            actor, "content.reload", "content", {"ok": False, "problems": exc.problems[:50]}
        )
        lines = [bold(t._("The content has problems: nothing was changed."))]
        lines += [f"• {html.escape(p, quote=False)}" for p in exc.problems[:MAX_PROBLEMS]]
        if len(exc.problems) > MAX_PROBLEMS:
            lines.append(t._("…and {n} more.", n=len(exc.problems) - MAX_PROBLEMS))
        await show(update, "\n".join(lines), edit=False)
        return
    log.info("content reloaded by staff: %d entries", len(answerer.entries))
    await services.staff.audit(
        actor,
        "content.reload",
        "content",
        {"ok": True, "entries": len(answerer.entries), "warnings": len(answerer.content.warnings)},
    )
    text = t._("Content reloaded: {n} answers.", n=len(answerer.entries))
    warnings = len(answerer.content.warnings)
    if warnings:  # not errors: residents get the French text with a note meanwhile
        text += "\n" + t.ngettext(
            "{n} warning (a text not yet translated): “content check” lists it.",
            "{n} warnings (texts not yet translated): “content check” lists them.",
            warnings,
        )
    await show(update, text, edit=False)


HANDLERS = [CommandHandler("reload", reload_content, filters.ChatType.PRIVATE)]
