"""The question log behind /gaps: what residents asked that we could not answer well.

Only the question's text (with e-mail addresses and phone numbers removed), its language and
time are kept: no user id, no name, nothing that links a question to a person. A message that
raised an emergency is logged the same way, its kind in `top_entry_id` ("emergency:gas"), so
staff see in /gaps that emergency numbers were given, and which messages raised them; one that
got an answer with a number above it (the model half sure) has that kind in `concern`.

Each question is written before the reply goes out, so its buttons ("other answers", 👍/👎)
work on whichever worker receives the press. Its id is chosen here (random), so a question
needs no read back.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from bot.answers.answering import Answer
from bot.answers.models import Feedback, GapHandled, QuestionLog
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
    """Messages that raised an emergency of one kind, grouped like gaps; `sure` is False for
    those that got an answer with the kind's number above it."""

    kind: str
    text: str
    lang: str
    count: int
    sure: bool = True


@dataclass
class GapGroup:
    """Questions of similar wording that got "not sure" or "out of scope" (back office)."""

    keys: list[str]  # the normalized wordings grouped here, the most asked first
    text: str  # how residents wrote the most asked one
    count: int = 0
    unsure: int = 0
    out_of_scope: int = 0
    langs: dict[str, int] = field(default_factory=dict)
    weeks: list[int] = field(default_factory=list)  # counts per week, oldest first
    up: int = 0
    down: int = 0
    handled_at: datetime | None = None


@dataclass(frozen=True)
class EntryVotes:
    entry_id: str
    up: int
    down: int


# Wordings this close (rapidfuzz's token set ratio, 0-100) are one gap.
SIMILAR = 85
CANDIDATES = 300


@dataclass(frozen=True)
class LoggedQuestion:
    id: int
    lang: str
    results: list[str]


class QuestionLogService:
    def __init__(self, db: Database, clock: Clock = system_clock) -> None:
        self._db = db
        self._clock = clock
        self._resemblance = _Resemblance()

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
            concern=answer.concern.id if answer.concern else None,
        )
        async with self._db.session() as session:
            await session.execute(insert(QuestionLog).values(**row))
        return question_id

    async def emergencies(self, days: int = 7, limit: int = 20) -> list[Raised]:
        """This week's messages that raised an emergency, most frequent first, then those that
        got a number above their answer."""
        since = self._clock() - timedelta(days=days)
        alarms = QuestionLog.top_entry_id.startswith(EMERGENCY_PREFIX)
        raised = []
        async with self._db.reading() as session:
            for kind, condition, sure in (
                (QuestionLog.top_entry_id, alarms, True),
                (QuestionLog.concern, QuestionLog.concern.is_not(None), False),
            ):
                stmt = (
                    select(
                        kind, func.min(QuestionLog.text), func.min(QuestionLog.lang), func.count()
                    )
                    .where(QuestionLog.asked_at >= since, condition)
                    .group_by(kind, QuestionLog.normalized)
                    .order_by(func.count().desc(), kind, func.min(QuestionLog.text))
                    .limit(limit)
                )
                rows = (await session.execute(stmt)).all()
                raised += [
                    Raised(str(r[0]).removeprefix(EMERGENCY_PREFIX), r[1], r[2], int(r[3]), sure)
                    for r in rows
                ]
        return raised

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

    async def gap_groups(
        self, *, weeks: int = 4, limit: int = 50, handled: bool = False
    ) -> tuple[list[GapGroup], list[datetime]]:
        """The last `weeks` weeks' unsure and out-of-scope questions, grouped by similar
        wording, most asked first, with counts per week and language and the votes on the
        answers they got; and the weeks' first days. Groups marked handled are left out
        (`handled`: only those) until the question is asked again after the mark.

        Only what decides the groups is read for every wording (how often it was asked); the
        details (languages, weeks, votes, how residents wrote it) only for the groups shown."""
        now = self._clock()
        starts = [now - timedelta(days=7 * (weeks - i)) for i in range(weeks)]
        since = starts[0]
        # Unsure or out of scope (an emergency is "confident": the numbers were given).
        gap = and_(QuestionLog.confident.is_(False), QuestionLog.asked_at >= since)
        async with self._db.reading() as session:
            # The most asked wordings, ranked by the database (code point order on a tie, as
            # Python compares: PostgreSQL's "C" collation, SQLite's BINARY): only those cross.
            times = func.count()
            by_code_point = QuestionLog.normalized.collate(
                "C" if self._db.dialect == "postgresql" else "BINARY"
            )
            ranked = (
                await session.execute(
                    select(times, QuestionLog.normalized)
                    .where(gap)
                    .group_by(QuestionLog.normalized)
                    .order_by(times.desc(), by_code_point)
                    .limit(CANDIDATES)
                )
            ).all()
            groups = _cluster([(norm, int(n)) for n, norm in ranked], weeks, self._resemblance)
            keys = [k for g in groups for k in g.keys]
            marks: dict[str, datetime] = {}
            for chunk in _chunks(keys):
                for norm, handled_at in await session.execute(
                    select(GapHandled.normalized, GapHandled.handled_at).where(
                        GapHandled.normalized.in_(chunk)
                    )
                ):
                    marks[norm] = handled_at
            # When a marked wording was last asked: a question after the mark reopens it.
            last: dict[str, datetime] = {}
            for chunk in _chunks(sorted(marks)):
                for norm, at in await session.execute(
                    select(QuestionLog.normalized, func.max(QuestionLog.asked_at))
                    .where(gap, QuestionLog.normalized.in_(chunk))
                    .group_by(QuestionLog.normalized)
                ):
                    last[norm] = at
        out: list[GapGroup] = []
        for group in groups:
            stamps = [marks.get(k) for k in group.keys]
            done = all(
                s is not None and s >= last.get(k, s)
                for k, s in zip(group.keys, stamps, strict=True)
            )
            group.handled_at = max((s for s in stamps if s), default=None) if done else None
            if done == handled:
                out.append(group)
            if len(out) >= limit:
                break
        if out:
            await self._details(out, gap, starts)
        return out, starts

    async def _details(self, out: list[GapGroup], gap: Any, starts: list[datetime]) -> None:
        """Languages, out of scope, counts per week, votes and wording of the shown groups.

        Two walks of the shown wordings, each in an index made for it (no table rows, no
        sorting; migration 0011): by wording and language (ix_questions_languages) for the
        languages, the out of scope and how residents wrote it; by wording and time
        (ix_questions_weeks) for the weeks, one range each. The wordings are one list
        parameter, bound once however many times a query names it."""
        since = starts[0]
        group_of = {k: g for g in out for k in g.keys}
        shown = sorted(group_of)
        ends: list[datetime | None] = [*starts[1:], None]
        keys = bindparam("keys", expanding=True)
        async with self._db.reading() as session:
            out_of_scope = func.count(case((QuestionLog.out_of_scope.is_(True), 1)))
            per_language = (
                select(
                    QuestionLog.normalized,
                    QuestionLog.lang,
                    func.count().label("n"),
                    out_of_scope.label("oos"),
                    func.min(QuestionLog.text).label("text"),
                )
                .where(gap, QuestionLog.normalized.in_(keys))
                .group_by(QuestionLog.normalized, QuestionLog.lang)
                .subquery()
            )
            # How residents wrote each wording: the first of its texts in the database's
            # own order (its collation), whatever the language.
            first = func.min(per_language.c.text).over(partition_by=per_language.c.normalized)
            written: dict[str, str] = {}
            by_language = select(
                per_language.c.normalized,
                per_language.c.lang,
                per_language.c.n,
                per_language.c.oos,
                first,
            )
            for chunk in _chunks(shown):
                for norm, lang, n, oos, text in await session.execute(by_language, {"keys": chunk}):
                    group, n, oos = group_of[norm], int(n), int(oos or 0)
                    group.out_of_scope += oos
                    group.unsure += n - oos
                    group.langs[lang] = group.langs.get(lang, 0) + n
                    written[norm] = text
            unsure = QuestionLog.confident.is_(False)
            per_week = []
            for week, (start, end) in enumerate(zip(starts, ends, strict=True)):
                inside = [QuestionLog.asked_at >= start]
                if end is not None:
                    inside.append(QuestionLog.asked_at < end)
                per_week.append(
                    select(QuestionLog.normalized, literal(week), func.count())
                    .where(unsure, QuestionLog.normalized.in_(keys), *inside)
                    .group_by(QuestionLog.normalized)
                )
            weekly = union_all(*per_week)
            for chunk in _chunks(shown, max(1, 5000 // len(starts))):
                for norm, week, n in await session.execute(weekly, {"keys": chunk}):
                    group_of[norm].weeks[int(week)] += int(n)
            # The period's votes (a few) to their questions, never the other way round; only
            # the shown wordings' counted.
            votes = (
                select(QuestionLog.normalized, Feedback.helpful, func.count())
                .select_from(Feedback)
                .join(QuestionLog, Feedback.question_id == QuestionLog.id)
                .where(Feedback.created_at >= since, QuestionLog.normalized.in_(keys))
                .group_by(QuestionLog.normalized, Feedback.helpful)
            )
            for chunk in _chunks(shown):
                for norm, helpful, n in await session.execute(votes, {"keys": chunk}):
                    group = group_of[norm]
                    if helpful:
                        group.up += int(n)
                    else:
                        group.down += int(n)
        for group in out:
            group.text = written.get(group.keys[0], group.text)

    async def entry_votes(self, *, weeks: int = 4, limit: int = 50) -> list[EntryVotes]:
        """👍/👎 per content entry over the last `weeks` weeks, most 👎 first."""
        since = self._clock() - timedelta(days=7 * weeks)
        down = func.sum(case((Feedback.helpful.is_(False), 1), else_=0))
        up = func.sum(case((Feedback.helpful.is_(True), 1), else_=0))
        stmt = (
            select(Feedback.entry_id, up, down)
            .where(Feedback.created_at >= since)
            .group_by(Feedback.entry_id)
            .order_by(down.desc(), Feedback.entry_id)
            .limit(limit)
        )
        async with self._db.reading() as session:
            rows = (await session.execute(stmt)).all()
        return [EntryVotes(r[0], int(r[1] or 0), int(r[2] or 0)) for r in rows]

    async def mark_handled(self, keys: list[str], user_id: int) -> int:
        """Mark a gap's wordings handled (now); returns how many wordings."""
        now = self._clock()
        keys = [k[:MAX_TEXT] for k in dict.fromkeys(keys) if k]
        async with self._db.session() as session:
            for key in keys:
                row = await session.get(GapHandled, key)
                if row is None:
                    session.add(GapHandled(normalized=key, handled_at=now, handled_by=user_id))
                else:
                    row.handled_at, row.handled_by = now, user_id
        return len(keys)

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


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _cluster(
    ranked: list[tuple[str, int]], weeks: int, resemblance: _Resemblance
) -> list[GapGroup]:
    """Greedy grouping of (wording, times asked), most asked first: a wording joins the
    group whose head it resembles most (SIMILAR; the first such on a tie), else heads a new
    group. The groups come most asked first."""
    groups: list[GapGroup] = []
    head_index: dict[str, int] = {}
    everyone = frozenset(key for key, _ in ranked)
    resemblance.begin(everyone)
    for key, count in ranked:
        best: tuple[float, int] | None = None
        if key:
            for other, score in resemblance.close_to(key, everyone).items():
                index = head_index.get(other)
                if index is not None and (
                    best is None or score > best[0] or (score == best[0] and index < best[1])
                ):
                    best = (score, index)
        if best is None:
            head_index[key] = len(groups)
            groups.append(GapGroup([key], key, count=count, weeks=[0] * weeks))
            continue
        group = groups[best[1]]
        group.keys.append(key)
        group.count += count
    return sorted(groups, key=lambda g: (-g.count, g.text))


class _Resemblance:
    """Which wordings resemble which (rapidfuzz's token set ratio >= SIMILAR), remembered
    between pages: comparing the ~300 most asked wordings with each other is most of the
    gaps page's time, and they change little from one page to the next. The score of two
    texts never changes, so what is remembered is never stale; it is forgotten past
    `pairs` comparisons."""

    def __init__(self, pairs: int = 250_000) -> None:
        self._limit = pairs
        self._pairs = 0
        self._seen: dict[str, set[str]] = {}
        self._close: dict[str, dict[str, float]] = {}
        self._everyone: frozenset[str] = frozenset()
        self._same = False

    def begin(self, everyone: frozenset[str]) -> None:
        """A page's wordings. When they are the last page's (the usual case), a wording
        remembered now was compared with all of them then (forgetting forgets it): it is not
        even looked over for what it was not compared with."""
        self._same = everyone == self._everyone
        self._everyone = everyone

    def close_to(self, key: str, everyone: frozenset[str]) -> dict[str, float]:
        """The wordings of `everyone` that `key` resembles, with their scores (and maybe
        others, compared earlier)."""
        if self._same and key in self._close:
            return self._close[key]
        seen = self._seen.get(key)
        if seen is None or self._pairs + len(everyone) > self._limit:
            if self._pairs + len(everyone) > self._limit:
                self._seen.clear()
                self._close.clear()
                self._pairs = 0
            seen = self._seen[key] = set()
            self._close[key] = {}
        close = self._close[key]
        missing = everyone - seen
        if missing:
            for other, score, _ in process.extract(
                key,
                list(missing),
                scorer=fuzz.token_set_ratio,
                score_cutoff=SIMILAR,
                limit=None,
            ):
                close[other] = score
            seen |= missing
            self._pairs += len(missing)
        return close


def _top_entry(answer: Answer) -> str | None:
    if answer.emergency is not None:
        return EMERGENCY_PREFIX + answer.emergency.id
    if answer.topic is not None:
        return answer.topic.id
    return answer.best.entry.id if answer.best else None
