"""The question log behind /gaps: what residents asked that we could not answer well.

Only the question's text (with e-mail addresses and phone numbers removed), its language and
time are kept: no user id, no name, nothing that links a question to a person. A message that
raised an emergency is logged the same way, its kind in `top_entry_id` ("emergency:gas"), so
staff see in /gaps that emergency numbers were given, and which messages raised them.

Each question is written before the reply goes out, so its buttons ("other answers", 👍/👎)
work on whichever worker receives the press. Its id is chosen here (random), so a question
needs no read back.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, delete, func, insert, or_, select

from bot.answers.answering import Answer
from bot.answers.models import Feedback, QuestionLog
from bot.answers.textnorm import words
from bot.clock import Clock, system_clock
from bot.storage.database import Database

EMERGENCY_PREFIX = "emergency:"
EMAIL = re.compile(r"\S+@\S+")
PHONE = re.compile(r"(?:\+?\d[\s.\-]?){6,}")
MAX_TEXT = 300


def scrub(text: str) -> str:
    text = EMAIL.sub("…", text)
    text = PHONE.sub("…", text)
    return " ".join(text.split())[:MAX_TEXT]


@dataclass(frozen=True)
class Gap:
    text: str
    lang: str
    count: int
    unanswered: int
    unhelpful: int


@dataclass(frozen=True)
class Raised:
    """Messages that raised an emergency of one kind, grouped like gaps."""

    kind: str
    text: str
    lang: str
    count: int


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    lang: str
    results: list[str]


class QuestionLogService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock

    async def log(self, answer: Answer) -> int:
        text = scrub(answer.question)
        best = answer.best
        question_id = secrets.randbits(48) or 1
        row = dict(
            id=question_id,
            asked_at=self._clock(),
            lang=answer.lang,
            text=text,
            normalized=" ".join(words(text))[:MAX_TEXT],
            out_of_scope=answer.out_of_scope,
            confident=answer.confident,
            top_entry_id=_top_entry(answer),
            score=round(best.score, 4) if best else 0.0,
            results=[m.entry.id for m in answer.results[:6]],
        )
        async with self._db.session() as session:
            await session.execute(insert(QuestionLog).values(**row))
        return question_id

    async def emergencies(self, days: int = 7, limit: int = 20) -> list[Raised]:
        """This week's messages that raised an emergency, most frequent first."""
        since = self._clock() - timedelta(days=days)
        stmt = (
            select(
                QuestionLog.top_entry_id,
                func.min(QuestionLog.text),
                func.min(QuestionLog.lang),
                func.count(),
            )
            .where(
                QuestionLog.asked_at >= since,
                QuestionLog.top_entry_id.startswith(EMERGENCY_PREFIX),
            )
            .group_by(QuestionLog.top_entry_id, QuestionLog.normalized)
            .order_by(func.count().desc(), QuestionLog.top_entry_id, func.min(QuestionLog.text))
            .limit(limit)
        )
        async with self._db.reading() as session:
            rows = (await session.execute(stmt)).all()
        return [
            Raised(str(r[0]).removeprefix(EMERGENCY_PREFIX), r[1], r[2], int(r[3])) for r in rows
        ]

    async def get(self, question_id: int) -> LoggedQuestion | None:
        """What a button needs of an earlier question: its language and ranked answers."""
        async with self._db.reading() as session:
            row = await session.get(QuestionLog, question_id)
            if row is None:
                return None
            return LoggedQuestion(row.id, row.lang, list(row.results or []))

    async def feedback(self, question_id: int | None, entry_id: str, helpful: bool) -> bool:
        """Store a vote; False when it names a question that does not exist."""
        async with self._db.session() as session:
            if question_id is not None and await session.get(QuestionLog, question_id) is None:
                return False
            session.add(
                Feedback(
                    question_id=question_id,
                    entry_id=entry_id,
                    helpful=helpful,
                    created_at=self._clock(),
                )
            )
        return True

    async def gaps(self, days: int = 7, limit: int = 20) -> list[Gap]:
        """This week's questions with no confident answer or a 👎, most frequent first."""
        since = self._clock() - timedelta(days=days)
        unhelpful = (
            select(Feedback.question_id)
            .where(Feedback.helpful.is_(False), Feedback.question_id.is_not(None))
            .scalar_subquery()
        )
        is_unhelpful = QuestionLog.id.in_(unhelpful)
        stmt = (
            select(
                QuestionLog.normalized,
                func.min(QuestionLog.text),
                func.min(QuestionLog.lang),
                func.count(),
                func.sum(case((QuestionLog.confident.is_(False), 1), else_=0)),
                func.sum(case((is_unhelpful, 1), else_=0)),
            )
            .where(
                and_(
                    QuestionLog.asked_at >= since,
                    or_(QuestionLog.confident.is_(False), is_unhelpful),
                )
            )
            .group_by(QuestionLog.normalized)
            .order_by(func.count().desc(), func.min(QuestionLog.text))
            .limit(limit)
        )
        async with self._db.reading() as session:
            rows = (await session.execute(stmt)).all()
        return [Gap(r[1], r[2], int(r[3]), int(r[4] or 0), int(r[5] or 0)) for r in rows]

    async def prune(self, days: int) -> int:
        """Delete questions older than `days` (their votes go with them); returns how many."""
        before = self._clock() - timedelta(days=days)
        async with self._db.session() as session:
            await session.execute(
                delete(Feedback).where(
                    Feedback.question_id.in_(
                        select(QuestionLog.id).where(QuestionLog.asked_at < before)
                    )
                )
            )
            result = await session.execute(delete(QuestionLog).where(QuestionLog.asked_at < before))
        return int(getattr(result, "rowcount", 0) or 0)


def _top_entry(answer: Answer) -> str | None:
    if answer.emergency is not None:
        return EMERGENCY_PREFIX + answer.emergency.id
    if answer.topic is not None:
        return answer.topic.id
    return answer.best.entry.id if answer.best else None
