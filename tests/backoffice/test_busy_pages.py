"""The busy pages read only what they show: a crowded calendar day shows its first events
and "+N" for the rest, in the local day they fall on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.events.editing import EventForm
from tests.backoffice.conftest import Staff
from tests.conftest import ADMIN_ID, Harness


async def test_a_crowded_day_shows_six_events_and_counts_the_rest(
    staff: Staff, harness: Harness
) -> None:
    editor = harness.services.editor
    assert editor is not None

    async def add(title: str, starts_at: datetime) -> None:
        form = EventForm(
            kind="workshop",
            titles={"fr": title},
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            place="Salle des fêtes",
        )
        await editor.create(form)

    # 10 December, 9:00 to 16:00 in Paris (UTC+1), added in a shuffled order.
    for hour in (15, 9, 12, 10, 16, 11, 14, 13):
        await add(f"Atelier {hour}h", datetime(2026, 12, 10, hour - 1, tzinfo=UTC))
    await add("Veillée", datetime(2026, 12, 11, 22, 30, tzinfo=UTC))  # 23:30 on the 11th
    await add("Réveillon", datetime(2026, 12, 31, 23, 30, tzinfo=UTC))  # in January in Paris
    await staff.login(ADMIN_ID)
    page = (await staff.client.get("/web/calendar?month=2026-12")).text
    shown = re.findall(r"Atelier (\d+)h", page)
    assert shown == ["9", "10", "11", "12", "13", "14"]
    assert ">+2</a>" in page
    assert "Veillée" in page and "Réveillon" not in page
    cell = page.split('<span class="daynum">11</span>')[1].split("</td>")[0]
    assert "23:30" in cell and "Veillée" in cell
    january = (await staff.client.get("/web/calendar?month=2027-01")).text
    assert "Réveillon" in january and "+" not in january.split('class="calendar"')[1]
