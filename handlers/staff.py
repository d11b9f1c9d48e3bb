"""Staff roles: admins (ADMIN_IDS) add and remove staff, staff see who else is staff.

`/staff add NUMBER`, `/staff remove NUMBER`, `/staff list`, `/staff log` (the audit log, for
admins); or an admin forwards one of the person's messages and presses "Add as staff". When
Telegram hides who wrote a forwarded message, the person sends `/myid` (anyone may) to learn
their number. After a change, the person's command menu shows or loses the staff commands.
"""

from __future__ import annotations

import logging

from telegram import (
    Bot,
    InlineKeyboardMarkup,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
    User,
)
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.i18n import HTML, Translator
from bot.services import Services
from bot.staff.service import AdminNotRemovable, Member
from bot.telegram.callbacks import LIMIT, button, decode, encode, is_kind
from handlers.access import admin_only, staff_only
from handlers.buttons import AddStaff
from handlers.commands import hide_staff_menu, show_staff_menu
from handlers.context import BotContext
from handlers.replies import bold, show

log = logging.getLogger(__name__)

NO_NAME = "-"  # AddStaff.name when Telegram gave no name
MAX_ID = 2**53  # Telegram user ids fit in 52 bits
AUDIT_LINES = 20


def parse_user_id(text: str) -> int | None:
    """A Telegram user id typed by staff (any script's digits), or None."""
    text = text.strip()
    if not text.isdecimal():
        return None
    value = int(text)
    return value if 0 < value < MAX_ID else None


def full_name(user: User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part)


def add_button_data(user_id: int, name: str | None) -> AddStaff:
    """The name cut (at a character boundary) so the data fits Telegram's 64 bytes."""
    clean = " ".join((name or "").replace(":", " ").split()) or NO_NAME
    room = LIMIT - len(encode(AddStaff(user_id, "x"))) + 1
    while len(clean.encode()) > room:
        clean = clean[:-1]
    return AddStaff(user_id, clean.strip() or NO_NAME)


def who(t: Translator, user_id: int, name: str | None) -> HTML:
    """The person, their name escaped: safe to put into another message."""
    if name:
        return HTML(t._("{name} (id {id})", name=name, id=user_id))
    return HTML(t._("id {id}", id=user_id))


async def locale_of(services: Services, user_id: int) -> str:
    view = await services.residents.get(user_id)
    if view is None:
        return services.catalogs.default_locale
    return services.catalogs.resolve(view.language, view.telegram_language)


async def staff_menus_at_start(bot: Bot, services: Services) -> None:
    """Every staff member (admins included) gets the staff commands in their menu."""
    for member in await services.staff.members():
        locale = await locale_of(services, member.user_id)
        await show_staff_menu(bot, services.catalogs, member.user_id, locale)


# -- adding and removing


async def _name_from_telegram(context: BotContext, user_id: int) -> str | None:
    """The name Telegram gives for someone who wrote to the bot (None otherwise)."""
    try:
        chat = await context.bot.get_chat(user_id)
    except TelegramError:
        return None
    return " ".join(part for part in (chat.first_name, chat.last_name) if part) or None


async def _tell(context: BotContext, user_id: int, added: bool) -> None:
    """The person learns of their new role, or of its end, in their language."""
    services = context.services
    t = services.catalogs.get(await locale_of(services, user_id))
    text = (
        t._("You are now on the association’s staff: the staff commands are in your menu.")
        if added
        else t._("You are no longer on the association’s staff.")
    )
    try:
        await context.bot.send_message(user_id, text)
    except TelegramError as exc:
        log.info("staff change not told to %s: %s", user_id, exc)


async def add(context: BotContext, actor_id: int, user_id: int, name: str | None) -> str:
    """Add, change the menu, tell them; the reply for the admin."""
    services = context.services
    t = context.t
    if user_id == context.bot.id:
        return t._("This is a bot: only people can be staff.")
    if not await services.staff.add(actor_id, user_id, name):
        return t._("{who} is already on the staff.", who=who(t, user_id, name))
    locale = await locale_of(services, user_id)
    shown = await show_staff_menu(context.bot, services.catalogs, user_id, locale)
    await _tell(context, user_id, added=True)
    text = t._("✅ {who} is now on the staff.", who=who(t, user_id, name))
    if not shown:
        text += "\n" + t._(
            "They have not written to the bot yet: they can type the staff commands, and "
            "their menu will show them after the bot’s next start."
        )
    return text


async def remove(context: BotContext, actor_id: int, user_id: int) -> str:
    services = context.services
    t = context.t
    try:
        removed = await services.staff.remove(actor_id, user_id)
    except AdminNotRemovable:
        return t._(
            "{who} is an administrator (ADMIN_IDS): administrators are removed in the "
            "settings, not here.",
            who=who(t, user_id, None),
        )
    if not removed:
        return t._("{who} is not on the staff.", who=who(t, user_id, None))
    await hide_staff_menu(context.bot, user_id)
    await _tell(context, user_id, added=False)
    return t._("{who} is no longer on the staff.", who=who(t, user_id, None))


# -- /staff


def usage(t: Translator) -> str:
    return "\n".join(
        [
            t._("Usage:"),
            t._("/staff list: who is on the staff"),
            t._("/staff add NUMBER: add someone (their Telegram id)"),
            t._("/staff remove NUMBER: take the staff role back"),
            t._("/staff log: the last staff actions"),
            t._(
                "To add someone you can also forward me one of their messages. They can "
                "learn their number by sending /myid to me."
            ),
        ]
    )


def member_line(t: Translator, member: Member) -> str:
    if member.admin:
        return t._("👑 {who}: administrator", who=who(t, member.user_id, member.name))
    assert member.added_at is not None
    return t._(
        "👤 {who}: added on {date} by {by}",
        who=who(t, member.user_id, member.name),
        date=t.date(member.added_at, "medium"),
        by=member.added_by,
    )


async def staff_command(update: Update, context: BotContext) -> None:
    if not await staff_only(update, context):
        return
    t = context.t
    args = context.args or []
    verb = args[0].lower() if args else "list"
    services = context.services
    if verb == "list" and len(args) <= 1:
        members = await services.staff.members()
        lines = [bold(t._("The association’s staff"))]
        lines += [member_line(t, m) for m in members]
        await show(update, "\n".join(lines), edit=False)
        return
    if verb == "log" and len(args) == 1:
        if not await admin_only(update, context):
            return
        entries = await services.staff.recent_audit(AUDIT_LINES)
        lines = [bold(t._("Last staff actions"))]
        lines += [
            t._(
                "{date} {time}: {actor} {action} {subject}",
                date=t.date(e.at, "short"),
                time=t.time(e.at),
                actor=e.actor_id,
                action=e.action,
                subject=e.subject,
            )
            for e in entries
        ]
        if not entries:
            lines.append(t._("Nothing yet."))
        await show(update, "\n".join(lines), edit=False)
        return
    if verb not in ("add", "remove") or len(args) != 2:
        await show(update, usage(t), edit=False)
        return
    if not await admin_only(update, context):
        return
    user_id = parse_user_id(args[1])
    if user_id is None:
        await show(
            update,
            t._(
                "“{text}” is not a Telegram id: it is a number such as 123456789. The person "
                "can learn theirs by sending /myid to me.",
                text=args[1][:32],
            ),
            edit=False,
        )
        return
    actor = update.effective_user.id if update.effective_user else 0
    if verb == "add":
        text = await add(context, actor, user_id, await _name_from_telegram(context, user_id))
    else:
        text = await remove(context, actor, user_id)
    await show(update, text, edit=False)


# -- adding by forwarding


async def forwarded(update: Update, context: BotContext) -> None:
    """An admin forwards a message: offer to add its author. Anyone else's forward goes on to
    the other handlers (a resident may forward a question)."""
    user, message = update.effective_user, update.effective_message
    if user is None or message is None or not context.services.staff.is_admin(user.id):
        return
    t = context.t
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        person = origin.sender_user
        name = full_name(person)
        if person.is_bot:
            await show(update, t._("This is a bot: only people can be staff."), edit=False)
        elif await context.services.staff.is_staff(person.id):
            await show(
                update,
                t._("{who} is already on the staff.", who=who(t, person.id, name)),
                edit=False,
            )
        else:
            keyboard = InlineKeyboardMarkup(
                [[button(t._("➕ Add as staff"), add_button_data(person.id, name))]]
            )
            await show(
                update,
                t._("This message was written by {who}.", who=who(t, person.id, name)),
                keyboard,
                edit=False,
            )
    else:
        hidden = isinstance(origin, MessageOriginHiddenUser)
        text = (
            t._("Telegram hides who wrote this message (their privacy settings).")
            if hidden
            else t._("This message comes from a chat or a channel, not from a person.")
        )
        text += "\n" + t._(
            "Ask the person to send /myid to me: I answer with their number. Then send "
            "/staff add NUMBER."
        )
        await show(update, text, edit=False)
    raise ApplicationHandlerStop


async def add_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    data = decode(query.data) if query else None
    if query is None or not isinstance(data, AddStaff):
        return
    if not await admin_only(update, context):  # checked again on the press
        return
    name = None if data.name == NO_NAME else data.name
    text = await add(context, query.from_user.id, data.user, name)
    await query.answer()
    await show(update, text)


# -- /myid (everyone)


async def my_id(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None:
        return
    await show(
        update,
        context.t._(
            "Your Telegram id is {id}. Give it to the association’s staff if they ask for it.",
            id=HTML(f"<code>{user.id}</code>"),
        ),
        edit=False,
    )


PRIVATE = filters.ChatType.PRIVATE
# Group -1, after the guard: an admin's forward is taken before residents' handlers see it.
EARLY = [MessageHandler(PRIVATE & filters.FORWARDED, forwarded)]
HANDLERS = [
    CommandHandler("staff", staff_command, PRIVATE),
    CommandHandler("myid", my_id, PRIVATE),
    CallbackQueryHandler(add_pressed, pattern=is_kind(AddStaff)),
]
