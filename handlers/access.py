"""Who may reach what: the one registry of staff commands, and the guard that checks every
update against it (and against the staff-only button kinds, `@callback(..., staff=True)` in
handlers/buttons.py).

A new staff command is one line in STAFF_COMMANDS: its name and its menu description. The
guard then refuses it to residents and staff get it in their command menu. A new staff button
is a kind registered with `staff=True`. Hiding is not the protection: the guard runs on every
update, before any other handler but the language and group steps, so a resident's staff
command gets the same polite reply as any unknown command (staff commands are not advertised)
and a staff button, forged or not, is answered like a stale button; nothing else runs. Staff
handlers still check with `staff_only` / `admin_only` (defence in depth).
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.i18n import N_
from bot.telegram.callbacks import is_staff_data
from handlers.context import BotContext
from handlers.fallback import stale_button, unknown_command
from handlers.groups import point_to_private
from handlers.replies import show

# name -> description in the staff's command menu (translated when the menu is built), in
# the menu's order.
STAFF_COMMANDS: dict[str, str] = {
    "gaps": N_("Questions without a good answer"),
    "reload": N_("Reload the content files"),
    "event_cancel": N_("Cancel an event (its number)"),
    "event_move": N_("Move an event (number, date, time)"),
    "link_group": N_("In a group: link it to a residence"),
    "unlink_group": N_("In a group: unlink it from its residence"),
    "staff": N_("Staff: list, add or remove"),
    "announce": N_("Write an announcement to residents"),
    "announcements": N_("Announcements: scheduled, sent, cancel"),
    "web": N_("A login link to the back office"),
}


def command_name(message: Message | None) -> str | None:
    """ "gaps" for "/gaps", "/GAPS@bot x"; None when the message is not a command."""
    text = (message.text or "") if message else ""
    if not text.startswith("/") or len(text) < 2:
        return None
    return text.split()[0][1:].partition("@")[0].lower()


def is_staff_command(message: Message | None) -> bool:
    return command_name(message) in STAFF_COMMANDS


def staff_request(update: Update) -> bool:
    """The update asks for a staff command or presses a staff button."""
    if update.callback_query is not None:
        return is_staff_data(update.callback_query.data)
    return is_staff_command(update.effective_message)


async def refuse(update: Update, context: BotContext) -> None:
    """What someone who is not staff gets: what an unknown command or a stale button gets."""
    chat = update.effective_chat
    if update.callback_query is not None:
        await stale_button(update, context)
    elif chat is not None and chat.type != chat.PRIVATE:
        await point_to_private(chat, context)
    else:
        await unknown_command(update, context)


class StaffGuard(TypeHandler[Update, BotContext, None]):
    """Takes only the updates that ask for staff things (so other handlers of its group still
    see the rest)."""

    def __init__(self) -> None:
        super().__init__(Update, guard)

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and staff_request(update)


async def guard(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is not None and not user.is_bot and await context.services.staff.is_staff(user.id):
        return
    await refuse(update, context)
    raise ApplicationHandlerStop


async def staff_only(update: Update, context: BotContext) -> bool:
    """A staff handler's own check: True for staff; otherwise the refusal, and False."""
    user = update.effective_user
    if user is not None and await context.services.staff.is_staff(user.id):
        return True
    await refuse(update, context)
    return False


async def admin_only(update: Update, context: BotContext) -> bool:
    """For what only admins do (adding and removing staff): staff who are not admins are told
    politely; anyone else gets the refusal."""
    user = update.effective_user
    staff = context.services.staff
    if user is not None and staff.is_admin(user.id):
        return True
    if user is not None and await staff.is_staff(user.id):
        text = context.t._("Sorry, only the administrators can add or remove staff.")
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        else:
            await show(update, text, edit=False)
        return False
    await refuse(update, context)
    return False


GUARDS = [StaffGuard()]
