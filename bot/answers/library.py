"""The one source of content: the files under CONTENT_DIR, validated and indexed in memory.

`run`, `chat` and `ask` all answer from a Library, so what staff test with `ask` is what
residents get. A reload (SIGHUP, or a staff member's /reload) builds the new index beside the
old one and swaps it in at once; a bad edit raises ContentError and keeps the previous content.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from bot.answers.answering import Answerer
from bot.answers.content import load_content
from bot.answers.courtesy import load_courtesy

log = logging.getLogger(__name__)


class Library:
    def __init__(self, content_dir: Path, languages: tuple[str, ...], default_locale: str) -> None:
        self.content_dir = content_dir
        self.languages = languages
        self.default_locale = default_locale
        self._lock = threading.Lock()
        self._answerer = self._build()

    def _build(self) -> Answerer:
        # ContentError lists every error; untranslated texts are only content.warnings.
        content = load_content(self.content_dir, self.languages, self.default_locale)
        if content.warnings:
            log.info(
                "content: %d warning(s), texts not yet translated (`content check` lists them)",
                len(content.warnings),
            )
        courtesy = load_courtesy(self.content_dir, self.languages)
        return Answerer(content, self.languages, self.default_locale, courtesy=courtesy)

    @property
    def answerer(self) -> Answerer:
        """The current content; read it once per update so one reply sees one version."""
        return self._answerer

    def reload(self) -> Answerer:
        """Load the files again; on ContentError the previous content stays in service."""
        answerer = self.prepare()
        self.use(answerer)
        return answerer

    def prepare(self) -> Answerer:
        """Load and index the files without putting them in service (see `use`), so a reload
        of several libraries swaps all or none."""
        return self._build()

    def use(self, answerer: Answerer) -> None:
        with self._lock:
            self._answerer = answerer
