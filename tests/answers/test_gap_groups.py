"""The gaps page reads less than it did and must still say the same: its groups are compared
with the former implementation (kept here as the reference, reading every wording's details
and comparing every pair of wordings afresh) on a log with similar wordings, ties, questions
on the weeks' boundaries, handled marks before and after the last question, and votes."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from rapidfuzz import fuzz, process
from sqlalchemy import and_, case, func, insert, select

from bot.answers.models import Feedback, GapHandled, QuestionLog
from bot.answers.questions import (
    CANDIDATES,
    SIMILAR,
    GapGroup,
    QuestionLogService,
    _Resemblance,
)
from bot.clock import Clock, FrozenClock
from bot.storage.database import Database

WORDS = [
    "chaudière",
    "panne",
    "loyer",
    "voisin",
    "bruit",
    "ascenseur",
    "cave",
    "parking",
    "clé",
    "facture",
    "eau",
    "fuite",
]


async def fill(db: Database, now: datetime, rng: random.Random) -> None:
    wordings = [" ".join(rng.sample(WORDS, rng.randint(2, 5))) for _ in range(420)]
    wordings += [w.replace("e", "é", 1) for w in wordings[:30]]  # near spellings
    wordings += [w.split()[0] for w in wordings[:10]] + [""]  # subsets, and an empty one
    starts = [now - timedelta(days=7 * (12 - i)) for i in range(12)]
    rows, votes = [], []
    for n in range(2500):
        text = rng.choice(wordings[: rng.choice((15, 60, len(wordings)))])
        if n < 40:  # exactly on a week's first moment, or just before it
            asked = rng.choice(starts) - timedelta(microseconds=rng.choice((0, 0, 1)))
        else:
            asked = now - timedelta(minutes=rng.randrange(13 * 7 * 24 * 60))
        oos = rng.random() < 0.4
        rows.append(
            {
                "id": n + 1,
                "asked_at": asked,
                "lang": rng.choice(("fr", "fr", "ar", "en", "pt")),
                "text": f"{text.capitalize()} ?" if n % 2 else text,
                "normalized": text,
                "out_of_scope": oos,
                "confident": rng.random() < 0.2,
                "top_entry_id": None,
                "score": 0.5,
                "results": [],
            }
        )
        if n % 7 == 0:
            votes.append(
                {
                    "question_id": n + 1,
                    "entry_id": f"entry-{n % 9}",
                    "helpful": n % 3 == 0,
                    "created_at": now - timedelta(days=rng.randrange(100)),
                }
            )
    marks = [
        {
            "normalized": w,
            "handled_at": now - timedelta(days=rng.choice((0, 3, 20, 200))),
            "handled_by": 1,
        }
        for w in rng.sample(sorted(set(wordings[:80])), 40)
    ]
    async with db.session() as session:
        await session.execute(insert(QuestionLog), rows)
        await session.execute(insert(Feedback), votes)
        await session.execute(insert(GapHandled), marks)


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_groups_are_the_same_as_before(
    database: Database, clock: FrozenClock, seed: int
) -> None:
    await fill(database, clock(), random.Random(seed))
    service = QuestionLogService(database, clock)
    for weeks in (1, 4, 12):
        for handled in (False, True):
            for limit in (50, 7):
                expected = await reference_gap_groups(
                    database, clock, weeks=weeks, limit=limit, handled=handled
                )
                got = await service.gap_groups(weeks=weeks, limit=limit, handled=handled)
                assert got == expected, (weeks, handled, limit)
                assert got[0] or handled
    clock.advance(days=2)  # remembered resemblances with a window that moved
    forgetful = QuestionLogService(database, clock)
    forgetful._resemblance = _Resemblance(pairs=500)  # forgets several times a page
    for weeks in (4, 12):
        expected = await reference_gap_groups(database, clock, weeks=weeks)
        assert await service.gap_groups(weeks=weeks) == expected
        assert await forgetful.gap_groups(weeks=weeks) == expected
        assert await forgetful.gap_groups(weeks=weeks) == expected  # the same wordings again


# The former implementation, as it was before the gaps page was made faster.


async def reference_gap_groups(
    db: Database, clock: Clock, *, weeks: int = 4, limit: int = 50, handled: bool = False
) -> tuple[list[GapGroup], list[datetime]]:
    """The last `weeks` weeks' unsure and out-of-scope questions, grouped by similar
    wording, most asked first, with counts per week and language and the votes on the
    answers they got; and the weeks' first days. Groups marked handled are left out
    (`handled`: only those) until the question is asked again after the mark."""
    now = clock()
    starts = [now - timedelta(days=7 * (weeks - i)) for i in range(weeks)]
    since = starts[0]
    # Unsure or out of scope (an emergency is "confident": the numbers were given).
    gap = and_(QuestionLog.confident.is_(False), QuestionLog.asked_at >= since)
    per_week = []
    for i, start in enumerate(starts):
        inside = QuestionLog.asked_at >= start
        if i + 1 < weeks:
            inside = and_(inside, QuestionLog.asked_at < starts[i + 1])
        per_week.append(func.sum(case((inside, 1), else_=0)))
    stmt = (
        select(
            QuestionLog.normalized,
            QuestionLog.lang,
            func.count(),
            func.sum(case((QuestionLog.out_of_scope.is_(True), 1), else_=0)),
            *per_week,
        )
        .where(gap)
        .group_by(QuestionLog.normalized, QuestionLog.lang)
    )
    async with db.reading() as session:
        rows = (await session.execute(stmt)).all()
        wordings: dict[str, GapGroup] = {}
        for norm, lang, count, oos, *week_counts in rows:
            group = wordings.setdefault(norm, GapGroup([norm], norm, weeks=[0] * weeks))
            group.count += int(count)
            group.out_of_scope += int(oos or 0)
            group.unsure += int(count) - int(oos or 0)
            group.langs[lang] = group.langs.get(lang, 0) + int(count)
            counts = [int(n or 0) for n in week_counts]
            group.weeks = [a + b for a, b in zip(group.weeks, counts, strict=True)]
        ranked = sorted(wordings.values(), key=lambda g: (-g.count, g.text))[:CANDIDATES]
        groups = _reference_cluster(ranked)
        keys = [k for g in groups for k in g.keys]
        marks: dict[str, datetime] = {}
        votes: dict[str, tuple[int, int]] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            for norm, handled_at in await session.execute(
                select(GapHandled.normalized, GapHandled.handled_at).where(
                    GapHandled.normalized.in_(chunk)
                )
            ):
                marks[norm] = handled_at
        # When a marked wording was last asked: a question after the mark reopens it.
        last: dict[str, datetime] = {}
        marked = sorted(marks)
        for start in range(0, len(marked), 500):
            chunk = marked[start : start + 500]
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
            s is not None and s >= last.get(k, s) for k, s in zip(group.keys, stamps, strict=True)
        )
        group.handled_at = max((s for s in stamps if s), default=None) if done else None
        if done == handled:
            out.append(group)
        if len(out) >= limit:
            break
    if out:
        shown = [k for g in out for k in g.keys]
        heads = [g.keys[0] for g in out]
        async with db.reading() as session:
            # How residents wrote each shown gap (the index holds only the wording).
            written = dict(
                (
                    await session.execute(
                        select(QuestionLog.normalized, func.min(QuestionLog.text))
                        .where(gap, QuestionLog.normalized.in_(heads))
                        .group_by(QuestionLog.normalized)
                    )
                ).all()
            )
            for group in out:
                group.text = written.get(group.keys[0], group.text)
            for start in range(0, len(shown), 500):
                chunk = shown[start : start + 500]
                # From the votes (a few) to their questions, never the other way round.
                for norm, helpful, n in await session.execute(
                    select(QuestionLog.normalized, Feedback.helpful, func.count())
                    .select_from(Feedback)
                    .join(QuestionLog, Feedback.question_id == QuestionLog.id)
                    .where(Feedback.created_at >= since, QuestionLog.normalized.in_(chunk))
                    .group_by(QuestionLog.normalized, Feedback.helpful)
                ):
                    up, down = votes.get(norm, (0, 0))
                    votes[norm] = (up + int(n), down) if helpful else (up, down + int(n))
        for group in out:
            for key in group.keys:
                up, down = votes.get(key, (0, 0))
                group.up += up
                group.down += down
    return out, starts


def _reference_cluster(ranked: list[GapGroup]) -> list[GapGroup]:
    """Greedy grouping, most asked first: a wording joins the first group whose head it
    resembles (SIMILAR), else heads a new group."""
    groups: list[GapGroup] = []
    heads: list[str] = []
    for wording in ranked:
        key = wording.keys[0]
        found = process.extractOne(key, heads, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR)
        if found is None or not key:
            groups.append(wording)
            heads.append(key)
            continue
        group = groups[found[2]]
        group.keys.append(key)
        group.count += wording.count
        group.unsure += wording.unsure
        group.out_of_scope += wording.out_of_scope
        for lang, n in wording.langs.items():
            group.langs[lang] = group.langs.get(lang, 0) + n
        group.weeks = [a + b for a, b in zip(group.weeks, wording.weeks, strict=True)]
    return sorted(groups, key=lambda g: (-g.count, g.text))
