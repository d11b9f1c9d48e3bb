"""Languages: gettext catalogs compiled with Babel, locale-aware dates and numbers.

A language is supported when `locales/<code>/LC_MESSAGES/messages.po` exists: adding one is
adding a catalog (and content translations), never code.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import (
    format_date,
    format_datetime,
    format_time,
    get_day_names,
    match_skeleton,
)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

DOMAIN = "messages"
PLACEHOLDER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)\}")


@functools.lru_cache(maxsize=4096)
def _whole_number(value: int, locale: str) -> str:
    """A whole number as `locale` writes it ("1 234", "1,234", "١٬٢٣٤"): it never changes."""
    return format_decimal(value, locale=locale)


@functools.lru_cache(maxsize=256)
def _skeleton_pattern(skeleton: str, locale: str) -> Any:
    """The locale's pattern closest to a skeleton, as Babel's format_skeleton finds it (its
    search took a millisecond on every call)."""
    found = Locale.parse(locale).datetime_skeletons
    if skeleton not in found:
        skeleton = match_skeleton(skeleton, found) or skeleton
    return found[skeleton]


class CatalogError(Exception):
    """A language's catalog is missing or broken: the assistant must not start half-translated."""


class HTML(str):
    """Text that is already safe HTML; the translator inserts it without escaping."""


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def compile_catalogs(locales_dir: Path) -> list[str]:
    """Compile each `.po` into its `.mo` when missing or stale; return the language codes."""
    codes: list[str] = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        code = po_path.parent.parent.name
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            try:
                with po_path.open("rb") as po_file:
                    catalog = read_po(po_file, locale=code)
                with mo_path.open("wb") as mo_file:
                    write_mo(mo_file, catalog)
            except Exception as exc:  # babel raises several kinds; one clear line is enough
                raise CatalogError(f"{po_path}: cannot compile ({exc})") from exc
        codes.append(code)
    return codes


def normalize_code(code: str | None) -> str | None:
    """`pt-BR` -> `pt`, `EN_us` -> `en`."""
    if not code:
        return None
    return code.strip().replace("-", "_").split("_")[0].lower() or None


@dataclass(frozen=True)
class Translator:
    """Everything a handler needs to speak one language."""

    locale: str
    translations: Translations
    tz: ZoneInfo

    def _(self, message: str, /, **values: Any) -> str:
        return self._format(self.translations.gettext(message), values)

    def ngettext(self, singular: str, plural: str, n: int, /, **values: Any) -> str:
        values.setdefault("n", self.number(n))
        return self._format(self.translations.ngettext(singular, plural, n), values)

    @staticmethod
    def _format(text: str, values: dict[str, Any]) -> str:
        if not values:
            return text
        safe = {
            key: value if isinstance(value, HTML) else html.escape(str(value), quote=False)
            for key, value in values.items()
        }
        return text.format(**safe)

    def date(self, value: date | datetime, fmt: str = "full") -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, fmt, locale=self.locale)

    def time(self, value: datetime, fmt: str = "short") -> str:
        return format_time(value, fmt, tzinfo=self.tz, locale=self.locale)

    def number(self, value: float | int) -> str:
        if type(value) is int:  # counts, on every row of a page: formatted once each
            return _whole_number(value, self.locale)
        return format_decimal(value, locale=self.locale)

    def day(self, value: datetime, *, year: bool = False) -> str:
        """ "samedi 12 décembre", "Saturday, December 12" (with the year if asked)."""
        skeleton = "yMMMMEEEEd" if year else "MMMMEEEEd"
        return format_datetime(
            value, _skeleton_pattern(skeleton, self.locale), tzinfo=self.tz, locale=self.locale
        )

    def weekday_name(self, index: int) -> str:
        """0 = Monday, in this language ("lundi", "Monday", "الاثنين")."""
        return str(get_day_names("wide", locale=self.locale)[index])

    def weekday(self, value: datetime) -> str:
        return format_date(value.astimezone(self.tz).date(), "EEEE", locale=self.locale)

    def money(self, amount: float, currency: str = "EUR") -> str:
        return format_currency(amount, currency, locale=self.locale)


class Catalogs:
    """The loaded catalogs of every supported language."""

    def __init__(self, locales_dir: Path, default_locale: str, timezone: str) -> None:
        if not locales_dir.is_dir():
            raise CatalogError(f"{locales_dir}: locales folder not found")
        codes = compile_catalogs(locales_dir)
        if default_locale not in codes:
            raise CatalogError(
                f"DEFAULT_LOCALE={default_locale!r} has no catalog in {locales_dir} "
                f"(found: {', '.join(codes) or 'none'})"
            )
        tz = ZoneInfo(timezone)
        self.default_locale = default_locale
        self._translators: dict[str, Translator] = {}
        for code in codes:
            mo_path = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if not mo_path.exists():
                raise CatalogError(f"{mo_path}: compiled catalog missing")
            with mo_path.open("rb") as mo_file:
                translations = Translations(mo_file, domain=DOMAIN)
            try:
                Locale.parse(code)
            except (UnknownLocaleError, ValueError) as exc:
                raise CatalogError(f"{code}: not a language Babel knows") from exc
            self._translators[code] = Translator(code, translations, tz)
        # The default language first, then alphabetical: the order of the language keyboard.
        others = [c for c in sorted(codes) if c != default_locale]
        self.supported: tuple[str, ...] = (default_locale, *others)

    def get(self, locale: str | None) -> Translator:
        return self._translators.get(locale or "", self._translators[self.default_locale])

    def supports(self, code: str | None) -> bool:
        return code in self._translators

    def resolve(self, chosen: str | None, telegram_code: str | None) -> str:
        """The chosen language, else Telegram's if supported, else the default."""
        if chosen and chosen in self._translators:
            return chosen
        code = normalize_code(telegram_code)
        if code and code in self._translators:
            return code
        return self.default_locale

    @staticmethod
    def language_name(code: str) -> str:
        """A language in its own name ("Español", "العربية"), as a chooser must show it."""
        name = Locale.parse(code).get_display_name(code) or code
        return name[:1].upper() + name[1:]
