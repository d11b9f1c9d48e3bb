"""The events content (content/events/) as loaded, with its item matcher; reloadable."""

from __future__ import annotations

from pathlib import Path

from bot.events.content import EventsContent, load_events_content
from bot.events.items import ItemMatcher


class EventsLibrary:
    def __init__(self, content_dir: Path, languages: tuple[str, ...]) -> None:
        self.content_dir = content_dir
        self.languages = languages
        self.content, self.items = self._build()

    def _build(self) -> tuple[EventsContent, ItemMatcher]:
        content = load_events_content(self.content_dir, self.languages)  # ContentError lists all
        return content, ItemMatcher(content)

    def reload(self) -> EventsContent:
        """Load the files again; on ContentError the previous content stays in service."""
        self.use(self.prepare())
        return self.content

    def prepare(self) -> tuple[EventsContent, ItemMatcher]:
        """Load the files without putting them in service (see `use`)."""
        return self._build()

    def use(self, loaded: tuple[EventsContent, ItemMatcher]) -> None:
        self.content, self.items = loaded
