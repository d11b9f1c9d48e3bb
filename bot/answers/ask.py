"""`residents-bot ask`: the answering, from the command line, in one process (a contract).

Output with --json / --jsonl, one object per question:
{"question", "lang", "out_of_scope": bool,
 "decision": "answer" | "unsure" | "out_of_scope" | "emergency",
 "topic": the out-of-scope topic id or null, or the kind of emergency (only when out of scope),
 "results": [{"id", "category", "title", "score"}]}
An emergency (danger to life: "suicide", "gas", "poisoning"...) is out of scope with no
results: the resident gets the numbers to call and what to do now, never a card.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from bot.answers.answering import Answer, Answerer
from bot.answers.courtesy import courtesy_text
from bot.answers.emergencies import concern_line, number_note
from bot.answers.library import Library
from bot.config import Settings
from bot.i18n import Catalogs

RESULTS = 5


def to_json(answer: Answer, default: str) -> dict[str, Any]:
    """`default`: the language shown for an entry not yet translated into the answer's."""
    out: dict[str, Any] = {
        "question": answer.question,
        "lang": answer.lang,
        "out_of_scope": answer.out_of_scope,
        "decision": answer.decision,
    }
    if answer.emergency is not None:
        out["topic"] = answer.emergency.id
    elif answer.out_of_scope:
        out["topic"] = answer.topic.id if answer.topic else None
    out["results"] = [
        {
            "id": m.entry.id,
            "category": m.entry.category,
            "title": m.entry.text(answer.lang, default).title,
            "score": round(m.rank(), 4),
        }
        for m in answer.results[:RESULTS]
    ]
    return out


def emergency_text(answer: Answer, fallback: str, catalogs: Catalogs) -> str:
    """The emergency reply as plain text: title, numbers, what to do now."""
    assert answer.emergency is not None
    t = catalogs.get(answer.lang)
    text = answer.emergency.text(answer.lang, fallback)
    lines = [text.title, ""]
    for number in answer.emergency.numbers:
        label = number.label(answer.lang, fallback)
        note = number_note(number, t)
        lines.append(f"{number.number}: {label}" + (f" ({note})" if note else ""))
    lines += ["", text.now]
    for other in answer.other_emergencies:
        lines += ["", f"{other.text(answer.lang, fallback).title}: {other.numbers[0].number}"]
    return "\n".join(lines)


def to_text(answer: Answer, answerer: Answerer, catalogs: Catalogs) -> str:
    """The reply as plain text; a concern's number above it, as residents get it."""
    text = _reply_text(answer, answerer, catalogs)
    if answer.concern is None:
        return text
    t = catalogs.get(answer.lang)
    line = concern_line(t, answer.concern.numbers[0], answer.lang, answerer.default_locale)
    return f"{line}\n\n{text}"


def _reply_text(answer: Answer, answerer: Answerer, catalogs: Catalogs) -> str:
    t = catalogs.get(answer.lang)
    if answer.emergency is not None:
        return emergency_text(answer, answerer.default_locale, catalogs)
    if answer.empty:
        return t._("Please write your question in a few words.")
    if answer.courtesy is not None:
        return courtesy_text(t, answer.courtesy, answerer.contact(answer.lang))
    if answer.out_of_scope:
        topic = answer.topic
        contact = topic.text(answer.lang, answerer.default_locale).answer if topic else None
        lines = [
            t._("This is not something I can answer."),
            contact or answerer.contact(answer.lang),
        ]
        return "\n".join(lines)
    if not answer.confident:
        default = answerer.default_locale
        titles = [f"- {m.entry.text(answer.lang, default).title}" for m in answer.results[:3]]
        return "\n".join([t._("I am not sure I understood. Did you mean one of these?"), *titles])
    best = answer.results[0]
    text = best.entry.text(answer.lang, answerer.default_locale)
    lines = [text.title, "", text.answer]
    if not best.entry.translated(answer.lang):
        lines.insert(0, t._("ℹ️ This answer is not yet translated into your language."))
    if best.entry.source:
        lines += ["", t._("Source: {url}", url=best.entry.source)]
    return "\n".join(lines)


def _parse_line(line: str, default_lang: str | None) -> tuple[str, str | None]:
    stripped = line.strip()
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError:
            return stripped, default_lang
        if isinstance(obj, dict):
            return str(obj.get("q", "")), obj.get("lang") or default_lang
    return stripped, default_lang


def run_ask(settings: Settings, args: argparse.Namespace, stdin: TextIO | None = None) -> int:
    catalogs = Catalogs(settings.locales_dir, settings.default_locale, settings.timezone)
    answerer = Library(settings.content_dir, catalogs.supported, settings.default_locale).answerer
    if args.jsonl:
        source = stdin or sys.stdin
        for line in source:
            if not line.strip():
                continue
            question, lang = _parse_line(line, args.lang)
            print(
                json.dumps(
                    to_json(answerer.answer(question, lang), answerer.default_locale),
                    ensure_ascii=False,
                )
            )
            sys.stdout.flush()
        return 0
    if not args.question:
        print("residents-bot ask: give a QUESTION, or --jsonl to read stdin", file=sys.stderr)
        return 2
    answer = answerer.answer(args.question, args.lang)
    if args.json:
        print(json.dumps(to_json(answer, answerer.default_locale), ensure_ascii=False))
    else:
        print(to_text(answer, answerer, catalogs))
    return 0
