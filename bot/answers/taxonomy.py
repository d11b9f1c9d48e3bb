"""The fixed category keys, grouped by the main-menu topic they live under.

Labels are gettext msgids marked with N_ and translated where they are shown.
"""

from __future__ import annotations

from bot.i18n import N_

TOPICS: dict[str, tuple[str, ...]] = {
    "water_energy": (
        "energy.heating",
        "energy.hot_water",
        "energy.appliances",
        "energy.lighting",
        "energy.ventilation",
        "energy.bills",
        "water.shower",
        "water.leaks",
        "water.toilet",
        "water.laundry_dishes",
        "water.bills_meter",
        "water.drinking",
    ),
    "recycling": (
        "recycling.popup_when_where",
        "recycling.accepted_items",
        "recycling.buy",
        "recycling.volunteer",
        "recycling.sorting",
    ),
    "events": (
        "events.upcoming",
        "events.heritage_tours",
        "events.museum",
        "events.register",
    ),
}

CATEGORIES: tuple[str, ...] = tuple(c for cats in TOPICS.values() for c in cats)
TOPIC_OF: dict[str, str] = {c: topic for topic, cats in TOPICS.items() for c in cats}

TOPIC_LABELS: dict[str, str] = {
    "water_energy": N_("💧⚡ Water and energy"),
    "recycling": N_("♻️ Pop-up recycling shops"),
    "events": N_("🎭 Cultural events"),
}

CATEGORY_LABELS: dict[str, str] = {
    "energy.heating": N_("🔥 Heating"),
    "energy.hot_water": N_("🚿 Hot water"),
    "energy.appliances": N_("🔌 Appliances"),
    "energy.lighting": N_("💡 Lighting"),
    "energy.ventilation": N_("🌬️ Ventilation and damp"),
    "energy.bills": N_("🧾 Energy bills"),
    "water.shower": N_("🛁 Shower and bath"),
    "water.leaks": N_("💧 Leaks"),
    "water.toilet": N_("🚽 Toilet"),
    "water.laundry_dishes": N_("🧺 Laundry and dishes"),
    "water.bills_meter": N_("📟 Water bill and meter"),
    "water.drinking": N_("🚰 Tap water"),
    "recycling.popup_when_where": N_("📍 When and where"),
    "recycling.accepted_items": N_("📦 What to bring"),
    "recycling.buy": N_("🛍️ Buying second-hand"),
    "recycling.volunteer": N_("🤝 Volunteering"),
    "recycling.sorting": N_("🗑️ Sorting waste"),
    "events.upcoming": N_("📅 Coming up"),
    "events.heritage_tours": N_("🏛️ Heritage tours"),
    "events.museum": N_("🖼️ Museums"),
    "events.register": N_("✍️ Signing up"),
}
