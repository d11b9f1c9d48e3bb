"""Long screens are cut under Telegram's limit, at text boundaries."""

from __future__ import annotations

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
