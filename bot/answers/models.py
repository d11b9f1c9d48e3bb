"""The question log behind /gaps and the 👍/👎 votes on answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow


class QuestionLog(Base):
    """A question residents asked, for /gaps. No user id or name is kept with it."""

    __tablename__ = "questions"
    # The back office's gaps read only this index (migration 0009_web): the unsure and
    # out-of-scope questions of a period, by wording and language, without the table's rows.
    __table_args__ = (
        Index("ix_questions_gaps", "confident", "asked_at", "normalized", "lang", "out_of_scope"),
        # ... and the details of the gaps shown, wording by wording (migration 0011_gap_details):
        # their languages, out of scope and texts, grouped as the index is walked ...
        Index(
            "ix_questions_languages",
            "confident",
            "normalized",
            "lang",
            "asked_at",
            "out_of_scope",
            "text",
        ),
        # ... and their weeks, one range of each wording's times per week.
        Index("ix_questions_weeks", "confident", "normalized", "asked_at"),
    )

    # Chosen by the application (random), so buttons can name the question before it is written.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    asked_at: Mapped[datetime] = mapped_column(index=True)
    lang: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(300))
    normalized: Mapped[str] = mapped_column(String(300))
    out_of_scope: Mapped[bool] = mapped_column(Boolean)
    confident: Mapped[bool] = mapped_column(Boolean)
    top_entry_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    results: Mapped[Any] = mapped_column(JSON)
    # The emergency kind the model half suspected when the reply was an answer with that kind's
    # number above it (migration 0014), so /gaps shows staff these doubtful messages too.
    concern: Mapped[str | None] = mapped_column(String(32))


class Feedback(Base):
    """A 👍/👎 on an answer shown for a question."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GapHandled(Base):
    """A group of unanswered questions (their normalized wording) a staff member marked as
    handled in the back office: hidden from the gaps until the same question comes again."""

    __tablename__ = "gaps_handled"

    normalized: Mapped[str] = mapped_column(String(300), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_by: Mapped[int] = mapped_column(BigInteger)
