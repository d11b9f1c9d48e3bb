"""What handlers may use: the domain services of one running assistant (built by bot.app).

No database handle here: handlers go through services, never to storage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.answers.answering import Answerer
from bot.answers.library import Library
from bot.answers.questions import QuestionLogService
from bot.backoffice.access import WebAccess
from bot.broadcasts.service import BroadcastService
from bot.clock import Clock
from bot.config import Settings
from bot.events.editing import EventEditor
from bot.events.library import EventsLibrary
from bot.events.reminders import ReminderService
from bot.events.service import EventService
from bot.i18n import Catalogs
from bot.residents.profile import ProfileService
from bot.residents.service import ResidentService
from bot.staff.service import StaffService


def _ignore(_outcome: str) -> None:
    """No metrics wired (the CLI's `ask`, unit tests)."""


def _nothing() -> None:
    """No outbox sender in this process (the CLI): the running assistant looks every few
    seconds."""


@dataclass
class Services:
    settings: Settings
    catalogs: Catalogs
    residents: ResidentService
    answers: Library
    questions: QuestionLogService
    clock: Clock
    events: EventService
    reminders: ReminderService
    whatson: EventsLibrary  # places, rules and the "can I bring this?" items
    profiles: ProfileService  # topics, quiet hours, digest, /stop, privacy, group chats
    broadcasts: BroadcastService  # staff announcements and their outbox
    staff: StaffService  # admins (ADMIN_IDS), staff roles and the audit log
    # Told the outcome of each question (answer, unsure, out_of_scope, courtesy, empty): the
    # assembly counts them in the metrics.
    record_answer: Callable[[str], None] = field(default=_ignore)
    # Tells the outbox sender a delivery run has started (wired by the assembly).
    wake_outbox: Callable[[], None] = field(default=_nothing)
    # The staff back office: what staff edit (residences, events), and its login links
    # (None when WEB_SECRET is not set: the back office is off).
    editor: EventEditor | None = None
    web: WebAccess | None = None

    async def reload_content(self) -> Answerer:
        """Load the answers and the events files again (SIGHUP, staff /reload). Both are
        validated before either is put in service: a bad edit in one changes nothing at all
        (ContentError lists every problem)."""
        answerer = await asyncio.to_thread(self.answers.prepare)
        events = await asyncio.to_thread(self.whatson.prepare)
        self.answers.use(answerer)
        self.whatson.use(events)
        await self.events.sync_content(self.whatson.content)
        return answerer
