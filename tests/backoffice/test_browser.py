"""The back office in a real headless Chromium (Debian's, driven by playwright; no browser is
downloaded): log in with a link, add an event and see the bot list it, import a calendar after
its preview, read the gaps, compose an announcement in two languages, see residents receive it
and read its report. With UPDATE_SCREENSHOTS=1 each screen is saved to docs/screenshots/ (linked
from the README); otherwise to a temporary folder, so a test run leaves the work tree as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.backoffice import staff as hooks
from bot.backoffice.access import WebAccess
from bot.backoffice.web import backoffice_app
from bot.web import WebServer
from handlers import announcements
from tests.backoffice.conftest import SECRET
from tests.backoffice.test_announcements import png
from tests.broadcasts.test_announce import deliver, residents
from tests.conftest import ADMIN_ID, ROOT, Harness
from tests.events.helpers import ics
from tests.events.test_events import open_events

CHROMIUM = Path("/usr/bin/chromium")
PHOTO = {"name": "affiche.png", "mimeType": "image/png", "buffer": png(320, 180)}
SHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("UPDATE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "residents-bot-screenshots"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


@pytest.fixture
async def site(harness: Harness) -> AsyncIterator[str]:
    services = harness.services

    async def is_staff(user_id: int) -> bool:
        return await hooks.is_staff(services, user_id)

    server = WebServer(backoffice_app(services), "127.0.0.1", 0, "WEB_PORT")
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    services.web = WebAccess(harness.db, SECRET, base, is_staff, harness.clock)
    try:
        yield base
    finally:
        await server.stop()


@pytest.fixture
async def page(site: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        async with async_playwright() as driver:
            context = await driver.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=ARGS,
                locale="fr-FR",
                viewport={"width": 1100, "height": 900},
            )
            try:
                yield context.pages[0] if context.pages else await context.new_page()
            finally:
                await context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


async def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def log_in(page: Any, harness: Harness) -> None:
    assert harness.services.web is not None
    link = await harness.services.web.login_link(ADMIN_ID)
    await page.goto(link)
    await shot(page, "01-login")
    await page.click("button[type=submit]")
    await page.wait_for_url("**/web/events")


async def test_log_in_add_an_event_and_the_bot_lists_it(page: Any, harness: Harness) -> None:
    await log_in(page, harness)
    assert "Ressourceries et événements" in await page.inner_text("h1")
    await shot(page, "02-events")
    await page.click("text=Ajouter un événement")
    await page.select_option("select[name=kind]", "workshop")
    await page.fill("input[name=title_fr]", "Atelier réparation de vélos")
    await page.fill("input[name=title_en]", "Bike repair workshop")
    await page.fill("textarea[name=description_fr]", "Apportez votre vélo, on le répare ensemble.")
    await page.select_option("select[name=residence]", "les-tilleuls-bobigny")
    await page.fill("input[name=date]", "2026-11-25")
    await page.fill("input[name=start]", "11:00")
    await page.fill("input[name=end]", "12:30")
    await shot(page, "03-event-form")
    await page.click("form.stack button[type=submit]")
    await page.wait_for_url("**/web/events/*?saved=1")
    assert "Atelier réparation de vélos" in await page.inner_text("h1")
    await page.goto(page.url.split("/web/")[0] + "/web/calendar?month=2026-11")
    assert "Atelier réparation de vélos" in await page.inner_text("table.calendar")
    await shot(page, "04-calendar")
    await page.goto(page.url.split("/web/")[0] + "/web/residences/les-tilleuls-bobigny")
    await shot(page, "05-residence")

    amina, listing = await open_events(harness)
    await amina.press(listing, "el:workshop:0")
    workshops = await amina.wait_for_edit(listing["message_id"])
    assert "Atelier réparation de vélos" in workshops["text"]


async def test_import_a_calendar_with_its_preview(
    page: Any, harness: Harness, tmp_path: Path
) -> None:
    feed = tmp_path / "agenda.ics"
    feed.write_bytes(
        ics(
            "UID:web-test-1\r\nDTSTART;TZID=Europe/Paris:20261205T140000\r\n"
            "DTEND;TZID=Europe/Paris:20261205T170000\r\nSUMMARY:Balade patrimoine du canal\r\n"
            "CATEGORIES:heritage\r\nLOCATION:Cité du Landy\r\n",
            "UID:web-test-2\r\nDTSTART;TZID=Europe/Paris:20261212T100000\r\n"
            "DTEND;TZID=Europe/Paris:20261212T120000\r\nSUMMARY:Atelier compost\r\n"
            "CATEGORIES:workshop\r\n",
        )
    )
    await log_in(page, harness)
    await page.click("nav >> text=Importer un agenda")
    await page.set_input_files("input[name=file]", str(feed))
    await shot(page, "06-import")
    await page.click("form.stack button[type=submit]")
    await page.wait_for_selector("text=Aperçu de l’import")
    text = await page.inner_text("main")
    assert "Nouveaux : 2" in text and "Balade patrimoine du canal" in text
    assert await harness.services.events.count_upcoming(("heritage_tour",)) >= 0
    before, _ = await harness.services.editor.page(kinds=("heritage_tour", "workshop"))  # type: ignore[union-attr]
    assert not any("Balade patrimoine du canal" in e.titles.get("fr", "") for e in before)
    await shot(page, "07-import-preview")
    await page.click("text=Appliquer ces changements")
    await page.wait_for_selector("text=Calendrier importé")
    after, _ = await harness.services.editor.page(kinds=("heritage_tour", "workshop"), limit=500)  # type: ignore[union-attr]
    assert any("Balade patrimoine du canal" in e.titles.get("fr", "") for e in after)


async def test_the_gaps_and_the_content(page: Any, harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    for question in ("ma chaudière est en panne", "la chaudiere est en panne", "qui paie le loyer"):
        await amina.send(question)
        await amina.wait_for_messages(1)
    await log_in(page, harness)
    await page.click("nav >> text=Questions sans réponse")
    table = await page.inner_text("table.gaps")
    assert "chaudi" in table and "loyer" in table
    await shot(page, "08-gaps")
    await page.click("table.gaps >> text=Traité >> nth=0")
    await page.wait_for_selector("text=Marqué comme traité.")
    await page.click("nav >> text=Contenu")
    assert "fr" in await page.inner_text("main")
    await shot(page, "09-content")
    await page.set_viewport_size({"width": 390, "height": 800})
    await page.goto(page.url.split("/web/")[0] + "/web/calendar?month=2026-11")
    await shot(page, "10-calendar-phone")


async def test_compose_an_announcement_in_two_languages_and_read_its_report(
    page: Any, harness: Harness
) -> None:
    landy = "cite-du-landy-saint-denis"
    french = await residents(harness, [3001, 3002], lang="fr", residence=landy)
    arabic = await residents(harness, [3011], lang="ar", residence=landy)
    away = await residents(harness, [3021], lang="fr", residence="les-tilleuls-bobigny")
    gone = await residents(harness, [3003], lang="fr", residence=landy)
    harness.standin.faults.block(3003)  # blocked the bot: to be reached on paper
    await log_in(page, harness)
    await page.click("nav >> text=Annonces")
    assert "Aucune annonce" in await page.inner_text("main")
    await page.click("text=Écrire une annonce")
    await page.fill("textarea[name=text_fr]", "<b>Coupure d’eau</b> jeudi de 9 h à 12 h.")
    await page.fill("textarea[name=text_ar]", "<b>انقطاع المياه</b> يوم الخميس من 9 إلى 12.")
    await page.check("input[name=audience][value=residences]")
    await page.check(f"input[name=residence][value={landy}]")
    await shot(page, "11-announcement-form")
    await page.click("button[value=preview]")
    await page.wait_for_selector("text=Aperçu : ce que verront les résidents")
    preview = await page.inner_text("section.preview")
    assert "4 résidents touchés" in preview
    assert "Coupure d’eau jeudi" in preview and "انقطاع المياه" in preview
    assert await page.inner_text(".bubble[lang=fr] b") == "Coupure d’eau"
    assert await harness.services.broadcasts.summaries() == []
    await shot(page, "12-announcement-preview")
    await page.click("button[value=confirm]")
    await page.wait_for_url("**/web/announcements?done=created*")
    assert "est programmée" in await page.inner_text("main")

    # The running bot's sweep starts it (here: its tick, on the tests' clock); its outbox
    # delivers each resident's version.
    await deliver(harness)
    for user in french:
        [got] = user.messages
        assert got["text"] == "Coupure d’eau jeudi de 9 h à 12 h."
        assert got["entities"][0]["type"] == "bold"
    [got] = arabic[0].messages
    assert got["text"] == "انقطاع المياه يوم الخميس من 9 إلى 12."
    assert away[0].sent_count == 0 and gone[0].sent_count == 0
    assert await announcements.tick(harness.application.bot, None, harness.services) == []

    await page.goto(page.url.split("/web/")[0] + "/web/announcements")
    await shot(page, "13-announcements")
    await page.click("table.announcements >> text=Rapport")
    await page.wait_for_selector("text=Rapport d’envoi")
    report = await page.inner_text("main")
    assert "3 remis" in report and "1 ont bloqué le bot" in report
    assert "Cité du Landy" in report and "العربية" in report
    assert await page.locator("svg.chart rect").count() >= 4
    assert "Cité du Landy" in await page.inner_text("table.unreached")
    await shot(page, "14-announcement-report")
    await page.set_viewport_size({"width": 390, "height": 800})
    await shot(page, "15-announcement-report-phone")


async def test_the_preview_follows_the_typing(page: Any, harness: Harness) -> None:
    """The composer's script: as staff type, the preview (checked and rendered by the server)
    appears and follows the text, without submitting the form; a wrong tag is pointed out."""
    first, _ = await residents(
        harness, [3101, 3102], lang="fr", residence="cite-du-landy-saint-denis"
    )
    await log_in(page, harness)
    await page.click("nav >> text=Annonces")
    await page.click("text=Écrire une annonce")
    form_url = page.url
    assert await page.locator("section.preview").count() == 0
    await page.locator("textarea[name=text_fr]").press_sequentially(
        "<b>Ascenseur</b> en panne", delay=20
    )
    bubble = page.locator("#live-preview .bubble[lang=fr]")
    await bubble.wait_for()
    assert await page.inner_text("#live-preview .bubble[lang=fr] b") == "Ascenseur"
    assert "2 résidents touchés" in await page.inner_text("#live-preview")
    await page.locator("textarea[name=text_en]").press_sequentially(
        "Lift <i>out</i> of order", delay=20
    )
    await page.locator("#live-preview .bubble[lang=en] i").wait_for()
    await page.locator("textarea[name=text_fr]").press_sequentially(" <div>", delay=20)
    await page.wait_for_selector("#live-preview >> text=À corriger avant l’aperçu")
    assert "n’est pas une balise que Telegram accepte" in await page.inner_text("#live-preview")
    await page.locator("textarea[name=text_fr]").press("Backspace")
    for _ in range(5):
        await page.locator("textarea[name=text_fr]").press("Backspace")
    await page.locator("textarea[name=text_fr]").press_sequentially(" depuis ce matin.")
    await page.locator("#live-preview .bubble[lang=fr]", has_text="depuis ce matin.").wait_for()
    assert await bubble.inner_text() == "Ascenseur en panne depuis ce matin."
    assert page.url == form_url  # never submitted
    assert await harness.services.broadcasts.summaries() == []
    await shot(page, "16-announcement-live-preview")

    # A photo: the live preview marks it (the file itself goes with the form only); the
    # Preview button uploads it and shows it above each caption.
    await page.set_input_files("input[name=photo]", files=[PHOTO])
    await page.locator("#live-preview .bubble[lang=fr] .bubble-photo.placeholder").wait_for()
    async with page.expect_response("**/web/announcements/photo/*") as shown:
        await page.click("button[value=preview]")
    assert (await shown.value).status == 200
    await page.locator("section.preview .bubble[lang=fr] img.bubble-photo").wait_for()
    assert await page.locator("input[name=photo_kept]").count() == 1
    await shot(page, "17-announcement-photo-preview")
    await page.click("button[value=confirm]")
    await page.wait_for_url("**/web/announcements?done=created*")
    await deliver(harness)
    [got] = first.messages
    assert got["caption"] == "Ascenseur en panne depuis ce matin." and got["photo"]
