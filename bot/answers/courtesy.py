"""Courtesy messages: thanks and goodbyes are told apart from greetings, in every language;
a message that only asks for help ("aide", "menu", "what can you do") gets the help, one that
only reacts ("oui", "cool", "lol") an invitation to ask, and one that asks for a person whom to
reach.

The words live in content/courtesy.yaml (data staff can extend). Thanks and goodbyes are also
courtesy words for the search, so a message made only of them is never searched. Help,
reaction, person and greeting phrases count only as the whole message (greetings around them
aside):
"aide" alone is a request for help, "aide au logement" a question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.answers.content import ContentError
from bot.answers.textnorm import words
from bot.i18n import Translator

THANKS = "thanks"
GOODBYE = "goodbye"
KINDS = (THANKS, GOODBYE)  # also courtesy words for the search, wherever they stand
HELP = "help"  # matched as the whole message only, like REACTION
REACTION = "reaction"  # "oui", "cool", "lol", "hein": no question, and not thanks either
HUMAN = "human"  # "je veux parler à quelqu'un": whom to reach (the content's default contact)
GREETING = "greeting"  # the default for a courtesy-only message; also whole-message phrases
WHOLE = (HELP, REACTION, HUMAN, GREETING)  # "ça va ?", "how are you": a greeting, not small talk
WHOLE_CHARS = 80  # longer messages are not read as one of those phrases
FILE = "courtesy.yaml"


@dataclass(frozen=True)
class Courtesy:
    """Per language and kind, the phrases as tuples of folded words."""

    phrases: dict[str, dict[str, frozenset[tuple[str, ...]]]] = field(default_factory=dict)

    def words_of(self, lang: str) -> list[str]:
        """Every phrase of a language, for the search to ignore."""
        return [
            " ".join(p)
            for kind, phrases in self.phrases.get(lang, {}).items()
            if kind not in WHOLE
            for p in phrases
        ]

    def whole(self, text: str, lang: str, ignored: frozenset[str]) -> str | None:
        """One of the WHOLE kinds when the whole message, `ignored` words (greetings) before
        or after it aside, is one of that kind's phrases."""
        if len(text) > WHOLE_CHARS:  # a question, not "aide" or "je veux parler à quelqu'un"
            return None
        tokens = words(text)
        core = tokens
        while core and core[0] in ignored:
            core = core[1:]
        while core and core[-1] in ignored:
            core = core[:-1]
        for found in dict.fromkeys((tuple(core), tuple(tokens))):  # "nice" is in "have a nice day"
            for kind in WHOLE:
                if found and found in self.phrases.get(lang, {}).get(kind, ()):
                    return kind
        return None

    def kind(self, text: str, lang: str) -> str:
        """thanks, goodbye, or greeting (the default for a courtesy-only message)."""
        tokens = words(text)
        for kind in KINDS:
            for phrase in self.phrases.get(lang, {}).get(kind, ()):
                size = len(phrase)
                if any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens))):
                    return kind
        return GREETING


def load_courtesy(content_dir: Path, languages: tuple[str, ...]) -> Courtesy:
    path = content_dir / FILE
    if not path.exists():
        return Courtesy()
    name = str(path.relative_to(content_dir.parent))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ContentError([f"{name}{line}: not valid YAML"]) from None
    problems: list[str] = []
    phrases: dict[str, dict[str, frozenset[tuple[str, ...]]]] = {}
    if not isinstance(data, dict):
        raise ContentError([f"{name}: must map each kind ({', '.join((*KINDS, *WHOLE))}) to words"])
    for kind, by_lang in data.items():
        if kind not in (*KINDS, *WHOLE):
            problems.append(f"{name}: {kind}: unknown kind (use {', '.join((*KINDS, *WHOLE))})")
            continue
        if not isinstance(by_lang, dict):
            problems.append(f"{name}: {kind}: must map each language to a list of words")
            continue
        for lang, items in by_lang.items():
            if lang not in languages:
                problems.append(f"{name}: {kind}.{lang}: no catalog for this language")
            elif not isinstance(items, list) or not all(isinstance(i, str) for i in items):
                problems.append(f"{name}: {kind}.{lang}: must be a list of words")
            else:
                folded = frozenset(tuple(words(i)) for i in items if words(i))
                phrases.setdefault(lang, {})[kind] = folded
    if problems:
        raise ContentError(problems)
    return Courtesy(phrases)


def courtesy_text(
    t: Translator, kind: str, contact: str = "", strong: Callable[[str], str] = str
) -> str:
    """The reply to a courtesy message, in the resident's language (bot and `ask` alike);
    `contact`: whom to reach, for a resident who asks for a person; `strong`: how the help's
    title is set off (bold in Telegram)."""
    if kind == THANKS:
        return t._("You're welcome! Ask me anything else, or choose a topic below.")
    if kind == GOODBYE:
        return t._("Goodbye! Come back whenever you like.")
    if kind == HELP:
        return help_text(t, strong)
    if kind == HUMAN:
        return contact
    if kind == REACTION:
        return t._("Ask me a question in your own words, or choose a topic below.")
    return (
        t._("Hello!")
        + "\n\n"
        + t._("Ask me a question in your own words, or choose a topic below.")
    )


def help_text(t: Translator, strong: Callable[[str], str] = str) -> str:
    """What /help shows, and a message that only asks for help (`strong`: how to set off the
    title, bold in Telegram)."""
    return "\n\n".join(
        [
            strong(t._("How to use the assistant")),
            t._(
                "Write your question as you would say it, for example: "
                "“how can I lower my water bill?” or “when is the next recycling shop?”."
            ),
            t._("/start: main menu\n/help: this help\n/language: change the language"),
            t._(
                "/settings: topics, quiet hours, weekly tip\n/stop: no more messages\n"
                "/privacy: what I keep about you"
            ),
            t._("You can also tap the buttons: no need to type."),
        ]
    )
