"""The one source of content: the files under CONTENT_DIR, validated and indexed in memory.

`run`, `chat` and `ask` all answer from a Library, so what staff test with `ask` is what
residents get. A reload (SIGHUP, or a staff member's /reload) builds the new index beside the
old one and swaps it in at once; a bad edit raises ContentError and keeps the previous content.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from bot.answers.answering import Answerer
from bot.answers.content import load_content
from bot.answers.courtesy import load_courtesy


class Library:
    def __init__(self, content_dir: Path, languages: tuple[str, ...], default_locale: str) -> None:
        self.content_dir = content_dir
        self.languages = languages
        self.default_locale = default_locale
        self._lock = threading.Lock()
        self._answerer = self._build()

    def _build(self) -> Answerer:
        content = load_content(self.content_dir, self.languages)  # ContentError lists all
        courtesy = load_courtesy(self.content_dir, self.languages)
        return Answerer(content, self.languages, self.default_locale, courtesy=courtesy)

    @property
    def answerer(self) -> Answerer:
        """The current content; read it once per update so one reply sees one version."""
        return self._answerer

    def reload(self) -> Answerer:
        """Load the files again; on ContentError the previous content stays in service."""
        with self._lock:
            answerer = self._build()
            self._answerer = answerer
            return answerer

    async def reload_in_background(self) -> Answerer:
        """Parsing and indexing take a moment: off the event loop, residents keep being served."""
        return await asyncio.to_thread(self.reload)
