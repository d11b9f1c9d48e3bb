"""What handlers may use: the domain services of one running assistant (built by bot.app).

No database handle here: handlers go through services, never to storage.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answers.library import Library
from bot.answers.questions import QuestionLogService
from bot.clock import Clock
from bot.config import Settings
from bot.events.library import EventsLibrary
from bot.events.reminders import ReminderService
from bot.events.service import EventService
from bot.i18n import Catalogs
from bot.residents.profile import ProfileService
from bot.residents.service import ResidentService


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

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids
