"""The announcements screens over HTTP: compose (a preview per language with the number it
reaches, then Confirm), bad input that stores nothing (invalid Telegram HTML, a past or
unreadable date, a post without the CSRF token, a resident's session), cancel and stop, the
delivery report with its chart and the households to reach on paper."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta

from sqlalchemy import func, select

from bot.backoffice.announcements import PHOTO_LIMIT, telegram_html
from bot.broadcasts.models import Announcement
from bot.broadcasts.service import SENT, Outcome
from bot.staff.models import AuditEntry
from tests.backoffice.conftest import Staff
from tests.broadcasts.test_announce import deliver, residents
from tests.conftest import ADMIN_ID, Harness

LANDY = "cite-du-landy-saint-denis"
TILLEULS = "les-tilleuls-bobigny"
FORM = {
    "text_fr": "<b>Coupure d’eau</b> jeudi de 9h à 12h.",
    "text_ar": "<b>انقطاع المياه</b> يوم الخميس",
    "audience": "residences",
    "residence": [LANDY],
    "when": "now",
    "action": "preview",
}


async def stored(harness: Harness) -> int:
    async with harness.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Announcement)) or 0)


async def audits(harness: Harness, action: str) -> list[AuditEntry]:
    async with harness.db.reading() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_compose_preview_then_confirm(staff: Staff, harness: Harness) -> None:
    await residents(harness, range(2001, 2004), lang="fr", residence=LANDY)
    await residents(harness, range(2011, 2013), lang="ar", residence=LANDY)
    await residents(harness, [2021], lang="pt", residence=LANDY)
    await residents(harness, [2031], lang="fr", residence=TILLEULS)
    await staff.login(ADMIN_ID)
    page = await staff.post("/web/announcements/new", FORM)
    assert page.status_code == 200, page.text
    assert "6 résidents touchés" in page.text
    # Each version as residents will see it, with the number it reaches (pt gets the French).
    assert "<b>Coupure d’eau</b> jeudi de 9h à 12h." in page.text
    assert "4 résidents" in page.text and "2 résidents" in page.text
    assert 'value="confirm"' in page.text
    assert await stored(harness) == 0  # a preview stores nothing

    done = await staff.post("/web/announcements/new", {**FORM, "action": "confirm"})
    assert done.status_code == 303
    assert "done=created" in done.headers["location"]
    summary = (await harness.services.broadcasts.summaries())[0]
    assert summary.status == "scheduled" and summary.author_id == ADMIN_ID
    assert summary.languages == ("fr", "ar") and summary.audience.residences == (LANDY,)
    assert summary.due_at == harness.clock()
    assert [a.subject for a in await audits(harness, "web.announcement.confirm")] == [
        f"#{summary.id}"
    ]
    listing = await staff.client.get(done.headers["location"])
    assert f"L’annonce n°{summary.id}" in listing.text or f"#{summary.id}" in listing.text
    assert "Cité du Landy" in listing.text


async def test_weekly_and_dated_announcements(staff: Staff, harness: Harness) -> None:
    await staff.login(ADMIN_ID)
    dated = await staff.post(
        "/web/announcements/new",
        {**FORM, "when": "at", "at": "2026-12-01T18:30", "action": "confirm"},
    )
    assert dated.status_code == 303
    weekly = await staff.post(
        "/web/announcements/new",
        {
            "text_fr": "Collecte des encombrants",
            "audience": "topic",
            "topic": "popups",
            "when": "weekly",
            "day": ["0", "3"],
            "weekly_time": "09:00",
            "urgent": "1",
            "action": "confirm",
        },
    )
    assert weekly.status_code == 303
    second, first = await harness.services.broadcasts.summaries()
    assert first.due_at is not None and first.due_at.isoformat() == "2026-12-01T17:30:00+00:00"
    assert second.weekly is not None and second.weekly.days == (0, 3) and second.urgent
    assert second.audience.topic == "popups"


async def test_bad_input_stores_nothing(staff: Staff, harness: Harness) -> None:
    await staff.login(ADMIN_ID)
    invalid = await staff.post(
        "/web/announcements/new", {**FORM, "text_fr": "<div>Coupure</div>", "action": "confirm"}
    )
    assert invalid.status_code == 400
    assert "&lt;div&gt; n’est pas une balise que Telegram accepte" in invalid.text
    assert "<div>Coupure" not in invalid.text  # shown back escaped, in its textarea
    # Only the attributes Telegram reads, and links to web addresses: nothing that would run
    # in the preview, nothing Telegram would refuse.
    handler = await staff.post(
        "/web/announcements/new", {**FORM, "text_fr": '<b onclick="alert(1)">Coupure</b>'}
    )
    assert handler.status_code == 400
    assert "Telegram n’accepte pas onclick sur &lt;b&gt;" in handler.text
    assert 'onclick="alert(1)"' not in handler.text
    script_link = await staff.post(
        "/web/announcements/new", {**FORM, "text_fr": '<a href="javascript:alert(1)">ici</a>'}
    )
    assert script_link.status_code == 400 and "a besoin d’une adresse" in script_link.text
    unclosed = await staff.post("/web/announcements/new", {**FORM, "text_ar": "<b>انقطاع"})
    assert unclosed.status_code == 400 and "&lt;b&gt; n’est jamais fermée" in unclosed.text
    past = await staff.post(
        "/web/announcements/new",
        {**FORM, "when": "at", "at": "2026-11-24T10:00", "action": "confirm"},
    )
    assert past.status_code == 400 and "Cette date est passée" in past.text
    unreadable = await staff.post(
        "/web/announcements/new", {**FORM, "when": "at", "at": "bientôt peut-être"}
    )
    assert unreadable.status_code == 400 and "n’a pas pu être lue" in unreadable.text
    empty = await staff.post("/web/announcements/new", {**FORM, "text_fr": "  "})
    assert empty.status_code == 400
    nobody = await staff.post("/web/announcements/new", {**FORM, "residence": []})
    assert nobody.status_code == 400
    no_days = await staff.post("/web/announcements/new", {**FORM, "when": "weekly"})
    assert no_days.status_code == 400
    # Telegram counts what residents see: 2,000 characters in 1,000 bold words are not too
    # long (9,000 with the tags), 4,097 plain ones are.
    bold = "<b>eau</b> " * 1000
    assert (
        await staff.post("/web/announcements/new", {**FORM, "text_fr": bold})
    ).status_code == 200
    too_long = await staff.post("/web/announcements/new", {**FORM, "text_fr": "e" * 4097})
    assert too_long.status_code == 400 and "4 096" in too_long.text
    for data in ({**FORM, "action": "confirm"}, {**FORM, "action": "confirm", "csrf": "forged"}):
        refused = await staff.client.post("/web/announcements/new", data=data)
        assert refused.status_code == 403 and "rien n’a été modifié" in refused.text
    assert await stored(harness) == 0


async def test_the_live_preview_fragment(staff: Staff, harness: Harness) -> None:
    """What the composer's script fetches as staff type: the preview alone (no page around
    it), read, checked and rendered as the Preview button does; nothing is stored."""
    await residents(harness, range(2001, 2004), lang="fr", residence=LANDY)
    await residents(harness, [2011], lang="ar", residence=LANDY)
    await staff.login(ADMIN_ID)
    live = "/web/announcements/preview"
    fragment = await staff.post(live, {**FORM, "action": ""})
    assert fragment.status_code == 200, fragment.text
    assert "<html" not in fragment.text and "<form" not in fragment.text
    assert "4 résidents touchés" in fragment.text
    assert '<div class="bubble" lang="fr" dir="auto"><b>Coupure d’eau</b> jeudi' in fragment.text
    assert "<b>انقطاع المياه</b>" in fragment.text

    # Bad HTML: what to correct, escaped; no preview.
    bad = await staff.post(live, {**FORM, "text_fr": "<div>Coupure</div> <script>x()</script>"})
    assert bad.status_code == 400
    assert "&lt;div&gt; n’est pas une balise que Telegram accepte" in bad.text
    assert "À corriger avant l’aperçu" in bad.text and 'role="status"' in bad.text
    assert "<div>Coupure" not in bad.text and "<script>" not in bad.text
    assert "bubble" not in bad.text
    # No CSRF token, or a forged one: refused, nothing rendered.
    for data in (FORM, {**FORM, "csrf": "forged"}):
        refused = await staff.client.post(live, data=data)
        assert refused.status_code == 403 and "bubble" not in refused.text
    assert await stored(harness) == 0

    # The page loads the script (ours, same origin) and allows only it.
    page = await staff.client.get("/web/announcements/new")
    assert '<script src="/web/static/compose.js" defer></script>' in page.text
    assert 'data-live-preview="/web/announcements/preview"' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = await staff.client.get("/web/static/compose.js")
    assert script.status_code == 200 and "data-live-preview" in script.text


def png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG image (Telegram, and the stand-in, read its size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(
        b"\x00"
        + b"".join(
            bytes((40 + 180 * x // width, 90 + 100 * y // height, 150)) for x in range(width)
        )
        for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_an_announcement_with_a_photo(staff: Staff, harness: Harness) -> None:
    """A photo chosen in the composer: previewed, kept until the confirmation, then sent by
    the outbox as a photo with each resident's text as its caption, given to Telegram once."""
    await residents(harness, [2000], lang="fr", residence=LANDY)
    harness.standin.faults.block(2000)  # the first copy fails: the next one uploads it
    french = await residents(harness, [2001, 2002], lang="fr", residence=LANDY)
    arabic = await residents(harness, [2011], lang="ar", residence=LANDY)
    image = png()
    await staff.login(ADMIN_ID)
    page = await staff.post(
        "/web/announcements/new", FORM, files={"photo": ("affiche.png", image, "image/png")}
    )
    assert page.status_code == 200, page.text
    kept = re.search(r'name="photo_kept" value="([^"]+)"', page.text)
    assert kept, page.text
    photo_url = f"/web/announcements/photo/{kept.group(1)}"
    assert f'<img class="bubble-photo" src="{photo_url}"' in page.text
    shown = await staff.client.get(photo_url)
    assert shown.status_code == 200 and shown.content == image
    assert shown.headers["content-type"] == "image/png"
    assert await stored(harness) == 0

    # Confirm from the preview's page: the file is not sent again, its id is.
    done = await staff.post(
        "/web/announcements/new", {**FORM, "photo_kept": kept.group(1), "action": "confirm"}
    )
    assert done.status_code == 303, done.text
    assert (await staff.client.get(photo_url)).status_code == 404  # no longer kept aside

    await deliver(harness)
    calls = harness.standin.calls_of("sendPhoto")
    texts = [c for c in harness.standin.calls_of("sendMessage") if c["chat_id"] != ADMIN_ID]
    assert len(calls) == 4 and texts == []  # (the author gets the delivery report)
    uploads = [c for c in calls if str(c["photo"]).startswith("<file")]
    # Given to Telegram once (after the blocked resident's copy failed, if it came first).
    assert len([c for c in uploads if c["chat_id"] != 2000]) == 1
    file_ids = {c["photo"] for c in calls} - {u["photo"] for u in uploads}
    assert len(file_ids) == 1
    assert harness.standin.file_bytes(file_ids.pop()) == image
    for user in french:
        [got] = user.messages
        assert got["caption"] == "Coupure d’eau jeudi de 9h à 12h."
        assert got["caption_entities"][0]["type"] == "bold"
        assert got["photo"][-1]["width"] == 3
    [got] = arabic[0].messages
    assert got["caption"] == "انقطاع المياه يوم الخميس" and got["photo"]
    async with harness.db.reading() as session:
        photo, kept = (
            await session.execute(select(Announcement.photo, Announcement.photo_file))
        ).one()
    assert photo and kept is None  # Telegram's file_id from now on; the image not kept


async def test_a_photo_refused_with_a_reason(staff: Staff, harness: Harness) -> None:
    await staff.login(ADMIN_ID)
    new = "/web/announcements/new"
    confirm = {**FORM, "action": "confirm"}
    not_image = await staff.post(
        new, confirm, files={"photo": ("x.png", b"GIF89a....", "image/png")}
    )
    assert not_image.status_code == 400
    assert "La photo doit être une image JPEG ou PNG." in not_image.text
    over = png() + b"\x00" * PHOTO_LIMIT  # just over: read, then refused
    too_big = await staff.post(new, confirm, files={"photo": ("big.png", over, "image/png")})
    assert too_big.status_code == 400 and "plus de 5 Mo" in too_big.text
    huge = over + b"\x00" * 2**20  # far over: refused unread
    too_big = await staff.post(new, confirm, files={"photo": ("big.png", huge, "image/png")})
    assert too_big.status_code == 413 and "plus de 5 Mo" in too_big.text
    long_caption = {**confirm, "text_fr": "<b>Eau</b> " + "x" * 1100}
    caption = await staff.post(new, long_caption, files={"photo": ("p.png", png(), "image/png")})
    assert caption.status_code == 400
    assert "1 024 caractères au plus (il en a 1 104)" in caption.text.replace("\u202f", " ")
    # The photo stays kept for the corrected form; without it, the same text is fine.
    assert 'name="photo_kept"' in caption.text
    without = await staff.post(new, {**long_caption, "action": "preview"})
    assert without.status_code == 200
    # The live preview knows a photo is chosen (its file is not sent along).
    live = await staff.post("/web/announcements/preview", {**long_caption, "photo_chosen": "1"})
    assert live.status_code == 400 and "1 104" in live.text.replace("\u202f", " ")
    chosen = await staff.post("/web/announcements/preview", {**FORM, "photo_chosen": "1"})
    assert chosen.status_code == 200 and "📷" in chosen.text
    assert await stored(harness) == 0


async def test_a_residents_session_gets_nothing(staff: Staff, harness: Harness) -> None:
    assert staff.services.web is not None
    assert await staff.services.web.login_link(1001) is None
    session = staff.services.web.cookie(
        type(
            "S",
            (),
            {
                "user_id": 1001,
                "session_id": "x",
                "expires_at": staff.services.clock() + timedelta(hours=1),
            },
        )()
    )
    staff.client.cookies.set("bo_session", session)
    for path in ("/web/announcements", "/web/announcements/new"):
        assert (await staff.client.get(path)).status_code == 401
    for path in ("/web/announcements/new", "/web/announcements/preview"):
        answer = await staff.client.post(path, data={**FORM, "action": "confirm", "csrf": "x"})
        assert answer.status_code == 401 and "bubble" not in answer.text
    assert await stored(harness) == 0


async def test_cancel_a_scheduled_one_and_stop_one_being_sent(
    staff: Staff, harness: Harness
) -> None:
    await residents(harness, range(2001, 2004), lang="fr", residence=LANDY)
    await staff.login(ADMIN_ID)
    later = {**FORM, "when": "at", "at": "2026-12-01T18:30", "action": "confirm"}
    assert (await staff.post("/web/announcements/new", later)).status_code == 303
    assert (
        await staff.post("/web/announcements/new", {**FORM, "action": "confirm"})
    ).status_code == 303
    now_id, later_id = (s.id for s in await harness.services.broadcasts.summaries())
    broadcasts = harness.services.broadcasts
    started = await broadcasts.start_due(timedelta(minutes=5))
    await broadcasts.expand(started.runs[0])

    listing = await staff.client.get("/web/announcements")
    assert "Arrêter" in listing.text and "Annuler" in listing.text
    cancelled = await staff.post(f"/web/announcements/{later_id}/cancel", {})
    assert cancelled.status_code == 303 and "done=cancelled" in cancelled.headers["location"]
    stopped = await staff.post(f"/web/announcements/{now_id}/cancel", {})
    assert "done=stopped" in stopped.headers["location"]
    page = await staff.client.get(stopped.headers["location"])
    assert "est arrêtée" in page.text
    again = await staff.post(f"/web/announcements/{later_id}/cancel", {})
    assert "done=none" in again.headers["location"]
    assert (await staff.post("/web/announcements/999/cancel", {})).status_code == 404
    no_token = await staff.client.post(f"/web/announcements/{later_id}/cancel", data={})
    assert no_token.status_code == 403
    statuses = {s.id: s.status for s in await broadcasts.summaries()}
    assert statuses == {now_id: "cancelled", later_id: "cancelled"}
    actions = [a.action for a in await audits(harness, "web.announcement.cancelled")]
    actions += [a.action for a in await audits(harness, "web.announcement.stopped")]
    assert sorted(actions) == ["web.announcement.cancelled", "web.announcement.stopped"]


async def test_the_report_per_residence_and_language(staff: Staff, harness: Harness) -> None:
    await residents(harness, range(2001, 2004), lang="fr", residence=LANDY)
    await residents(harness, [2011], lang="ar", residence=LANDY)
    await residents(harness, [2031, 2032], lang="fr", residence=TILLEULS)
    await staff.login(ADMIN_ID)
    form = {**FORM, "audience": "all", "action": "confirm"}
    assert (await staff.post("/web/announcements/new", form)).status_code == 303
    (summary,) = await harness.services.broadcasts.summaries()
    waiting = await staff.client.get(f"/web/announcements/{summary.id}")
    assert "Pas encore envoyée" in waiting.text
    broadcasts = harness.services.broadcasts
    started = await broadcasts.start_due(timedelta(minutes=5))
    await broadcasts.expand(started.runs[0])
    claimed = await broadcasts.claim(100)
    status = {2001: SENT, 2002: SENT, 2003: "blocked", 2011: SENT, 2031: "failed", 2032: SENT}
    await broadcasts.record(
        [Outcome(c.delivery_id, status[c.user_id], c.user_id) for c in claimed if c.user_id]
    )
    await broadcasts.finish()
    page = await staff.client.get(f"/web/announcements/{summary.id}")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and "<rect" in text
    assert "Par résidence" in text and "Par langue" in text
    assert "Cité du Landy" in text and "Les Tilleuls" in text and "العربية" in text
    unreached = text.split("à contacter sur papier")[1]
    assert "Cité du Landy" in unreached and "Les Tilleuls" in unreached
    assert (await staff.client.get("/web/announcements/999")).status_code == 404
    assert (await staff.client.get("/web/announcements/abc")).status_code == 404


def test_telegram_html_is_shown_safely() -> None:
    assert str(telegram_html("<b>gras</b> & <i>x</i>")) == "<b>gras</b> &amp; <i>x</i>"
    assert str(telegram_html("<script>alert(1)</script>")) == (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
    )
    assert "javascript" not in telegram_html('<a href="javascript:alert(1)">x</a>')
    assert str(telegram_html('<a href="https://x.org/?a=1&amp;b=2">l</a>')).startswith(
        '<a href="https://x.org/?a=1&amp;b=2"'
    )
    assert str(telegram_html("<b>open")) == "<b>open</b>"
    assert str(telegram_html('<img src=x onerror="alert(1)">')).startswith("&lt;img")
