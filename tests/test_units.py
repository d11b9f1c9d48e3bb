"""Small pieces with rules of their own: message splitting, persistence, text analysis."""

from __future__ import annotations

from bot.persistence import SQLPersistence
from bot.textnorm import fold, words
from handlers.replies import split_message


def test_long_texts_are_split_under_telegrams_limit_at_boundaries() -> None:
    paragraph = "Un robinet qui goutte perd 4 litres par heure. " * 20
    text = "\n\n".join([paragraph] * 12)
    parts = split_message(text)
    assert len(parts) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in parts)
    assert "".join(p.replace("\n", "").replace(" ", "") for p in parts) == text.replace(
        "\n", ""
    ).replace(" ", "")
    emoji = "💧" * 3000  # two UTF-16 units each
    assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in split_message(emoji))
    assert split_message("court") == ["court"]


def test_folding_makes_spellings_meet() -> None:
    assert fold("Électricité CHAUFFE-EAU") == "electricite chauffe-eau"
    assert fold("هَلْ مِيَّة الحَنَفِيَّة") == fold("هل مية الحنفيه")
    assert fold("أحمد") == fold("احمد") and fold("مدرسة") == fold("مدرسه")
    assert fold("إسلام") == fold("اسلام") and fold("مستشفى") == fold("مستشفي")
    assert words("l'eau froiiide") == ["l", "eau", "froide"]


async def test_persistence_keeps_conversations_and_user_data(database) -> None:
    store = SQLPersistence(database)
    await store.update_conversation("browse", (1001, 1001), "CATEGORY")
    await store.update_conversation("browse", (1002, 1002), "TOPIC")
    await store.update_user_data(1001, {"draft": "kept"})
    fresh = SQLPersistence(database)
    assert await fresh.get_conversations("browse") == {
        (1001, 1001): "CATEGORY",
        (1002, 1002): "TOPIC",
    }
    assert (await fresh.get_user_data())[1001] == {"draft": "kept"}
    await fresh.update_conversation("browse", (1002, 1002), None)
    await fresh.drop_user_data(1001)
    again = SQLPersistence(database)
    assert await again.get_conversations("browse") == {(1001, 1001): "CATEGORY"}
    assert 1001 not in await again.get_user_data()


async def test_write_behind_keeps_rows_when_the_database_is_away(database, clock) -> None:
    from contextlib import asynccontextmanager

    import pytest
    from sqlalchemy import func, select

    from bot.answering import Answer
    from bot.models import QuestionLog, Resident
    from bot.questions import QuestionLogService
    from bot.residents import ResidentService

    questions, residents = QuestionLogService(database, clock), ResidentService(database, clock)
    real = database.session

    @asynccontextmanager
    async def away():
        raise ConnectionError("database restarting")
        yield

    await questions.log(Answer("où est la ressourcerie", "fr", "fr", False, True))
    await residents.seen(1001, 1001, "fr")
    database.session = away  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await questions.flush()
    with pytest.raises(ConnectionError):
        await residents.flush()
    database.session = real  # type: ignore[method-assign]
    await questions.flush()
    await residents.flush()
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuestionLog)) == 1
        assert (await session.get(Resident, 1001)) is not None
