"""Every kind of inline button data, in one place (encoded by bot.telegram.callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.callbacks import callback

BROWSED = 0  # question id of an entry reached by browsing, not by a question


@callback("h")
@dataclass(frozen=True)
class Home:
    """The main menu."""


@callback("m")
@dataclass(frozen=True)
class Topic:
    topic: str


@callback("c")
@dataclass(frozen=True)
class Category:
    category: str
    page: int


@callback("e")
@dataclass(frozen=True)
class ShowEntry:
    question: int  # BROWSED, or the logged question it answers
    entry: str
    detail: bool


@callback("o")
@dataclass(frozen=True)
class OtherAnswers:
    question: int


@callback("f")
@dataclass(frozen=True)
class Vote:
    question: int
    entry: str
    helpful: bool


@callback("n")
@dataclass(frozen=True)
class NotWhatIAsked:
    """👎 on a reply that gave no answer: the question shows in /gaps."""

    question: int


@callback("lm")
@dataclass(frozen=True)
class LanguageMenu:
    """The language chooser."""


@callback("l")
@dataclass(frozen=True)
class ChooseLanguage:
    code: str


# -- what's on: pop-up shops and events (handlers/popups.py, handlers/events.py)

ALL_KINDS = "all"


@callback("el")
@dataclass(frozen=True)
class EventList:
    kind: str  # ALL_KINDS or one kind of event
    page: int


@callback("ev")
@dataclass(frozen=True)
class ShowEvent:
    event: int


@callback("ec")
@dataclass(frozen=True)
class AddToCalendar:
    event: int


@callback("er")
@dataclass(frozen=True)
class RemindMe:
    event: int
    on: bool


@callback("ep")
@dataclass(frozen=True)
class MapPin:
    event: int


@callback("pl")
@dataclass(frozen=True)
class Popups:
    """The recycling screen: the next pop-up shops, the resident's residence first."""


@callback("rl")
@dataclass(frozen=True)
class ResidenceList:
    page: int


@callback("rs")
@dataclass(frozen=True)
class ChooseResidence:
    residence: str


@callback("ib")
@dataclass(frozen=True)
class AskItem:
    """ "Can I bring this?"."""


@callback("lc")
@dataclass(frozen=True)
class AskLocation:
    """Offer the location button, to find the nearest pop-up shops."""


# -- the profile: onboarding, settings, privacy (handlers/onboarding.py, settings.py,
# privacy.py). `owner` is the resident the button was made for: a press by anyone else, or
# forged data naming another resident, changes nothing (handlers.fallback.mine).


@callback("ol")
@dataclass(frozen=True)
class OnboardLanguage:
    owner: int
    code: str


@callback("op")
@dataclass(frozen=True)
class OnboardResidences:
    owner: int
    page: int


@callback("or")
@dataclass(frozen=True)
class OnboardResidence:
    owner: int
    residence: str


@callback("ot")
@dataclass(frozen=True)
class OnboardTopic:
    owner: int
    topic: str
    on: bool


@callback("od")
@dataclass(frozen=True)
class OnboardDone:
    """Done, or "skip": the defaults apply to whatever was not chosen."""

    owner: int


@callback("so")
@dataclass(frozen=True)
class OpenSettings:
    owner: int


@callback("st")
@dataclass(frozen=True)
class SetTopic:
    owner: int
    topic: str
    on: bool


@callback("sq")
@dataclass(frozen=True)
class SetQuiet:
    owner: int
    preset: str  # a key of handlers.settings.QUIET_PRESETS


@callback("sd")
@dataclass(frozen=True)
class SetDigest:
    owner: int
    on: bool


@callback("fg")
@dataclass(frozen=True)
class ConfirmForget:
    owner: int
    yes: bool


@callback("os")
@dataclass(frozen=True)
class OnboardSearch:
    """Ask for the residence's name, to search the list."""

    owner: int


# -- announcements (handlers/announce.py, handlers/announcements.py): staff only


@callback("ax", staff=True)
@dataclass(frozen=True)
class CancelAnnouncement:
    announcement: int


@callback("ad", staff=True)
@dataclass(frozen=True)
class Compose:
    """A step of the announcement composer, on the draft stored in the database."""

    draft: int
    action: str
    value: str = "-"


# -- staff (handlers/staff.py). Registered with staff=True: the guard (handlers/access.py)
# refuses every press by someone who is not staff, whatever the data says.


@callback("sa", staff=True)
@dataclass(frozen=True)
class AddStaff:
    """ "Add as staff" under a forwarded message: the person and the name Telegram gave."""

    user: int
    name: str  # NO_NAME when Telegram gave none; cut to fit the 64 bytes
