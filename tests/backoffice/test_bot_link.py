"""/web in the bot: staff get a one-time link, residents a polite no."""

from __future__ import annotations

from bot.backoffice.access import WebAccess
from tests.backoffice.conftest import SECRET
from tests.conftest import ADMIN_ID, Harness


async def test_web_gives_staff_a_link_and_residents_nothing(harness: Harness) -> None:
    services = harness.services
    await harness.resident(1001, "fr").send("/web")
    [refused] = await harness.resident(1001, "fr").wait_for_messages(1)
    # Staff commands are not advertised: a resident gets the unknown-command reply.
    assert "je ne connais pas la commande /web" in refused["text"]
    services.web = WebAccess(
        harness.db, SECRET, "https://staff.example", services.staff.is_staff, harness.clock
    )
    amina = harness.resident(1002, "fr")
    await amina.send("/web")
    [no] = await amina.wait_for_messages(1)
    assert "je ne connais pas la commande /web" in no["text"]
    assert "https://" not in no["text"]
    staff = harness.resident(ADMIN_ID, "fr", "Staff")
    await staff.send("/web")
    [link] = await staff.wait_for_messages(1)
    assert "https://staff.example/web/login/" in link["text"]
    assert "10 minutes" in link["text"]
