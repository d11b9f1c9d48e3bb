"""The domain services one running assistant holds; built by bot.app, read by handlers."""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering import Answerer
from bot.clock import Clock
from bot.config import Settings
from bot.db import Database
from bot.i18n import Catalogs
from bot.questions import QuestionLogService
from bot.residents import ResidentService


@dataclass
class Services:
    settings: Settings
    db: Database
    catalogs: Catalogs
    residents: ResidentService
    answerer: Answerer
    questions: QuestionLogService
    clock: Clock

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids
