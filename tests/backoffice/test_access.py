"""Who gets in, and what bad input changes: nothing."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web
from sqlalchemy import func, select

from bot.events.models import Event
from tests.backoffice.conftest import Staff
from tests.conftest import ADMIN_ID, Harness
from tests.events.helpers import ics
from tests.events.test_events import open_events

FORM = {
    "kind": "workshop",
    "title_fr": "Atelier couture",
    "residence": "les-tilleuls-bobigny",
    "date": "2026-11-25",
    "start": "11:00",
    "end": "12:00",
}


async def events(harness: Harness) -> int:
    async with harness.db.reading() as session:
        return int(await session.scalar(select(func.count()).select_from(Event)) or 0)


async def test_a_link_logs_in_once_and_pages_need_a_session(staff: Staff) -> None:
    assert (await staff.client.get("/web/events")).status_code == 401
    path = await staff.link(ADMIN_ID)
    page = await staff.client.get(path)  # opening it (a link preview) does not use it up
    assert page.status_code == 200 and "<form" in page.text
    answer = await staff.client.post(path)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=43200" in cookie
    assert (await staff.client.get("/web/events")).status_code == 200
    again = await staff.client.post(path)
    assert again.status_code == 400 and "déjà servi" in again.text


async def test_unknown_forged_and_expired_links(staff: Staff, harness: Harness) -> None:
    path = await staff.link(ADMIN_ID)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    for bad in (forged, "/web/login/nothing", "/web/login/a.b"):
        answer = await staff.client.post(bad)
        assert answer.status_code == 400 and "pas valide" in answer.text
    harness.clock.advance(minutes=11)
    late = await staff.client.post(path)
    assert late.status_code == 400 and "expiré" in late.text
    assert (await staff.client.get("/web/events")).status_code == 401


async def test_residents_get_no_link_and_no_page(staff: Staff) -> None:
    assert staff.services.web is not None
    assert await staff.services.web.login_link(1001) is None
    # A cookie signed for a resident's id (as if the secret leaked) is still refused: the role
    # is asked on every request.
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
    assert (await staff.client.get("/web/events")).status_code == 401


async def test_forged_cookies_are_refused(staff: Staff) -> None:
    await staff.login(ADMIN_ID)
    genuine = staff.client.cookies.get("bo_session")
    assert genuine is not None
    user, expires, sid, signature = genuine.split(".")
    for forged in (
        f"1001.{expires}.{sid}.{signature}",
        f"{user}.{int(expires) + 9999}.{sid}.{signature}",
        "garbage",
        "",
    ):
        staff.client.cookies.clear()
        staff.client.cookies.set("bo_session", forged)
        assert (await staff.client.get("/web/events")).status_code == 401


async def test_logging_out_ends_every_copy_of_the_session(staff: Staff) -> None:
    """A cookie copied before logging out (a shared office PC, a stolen cookie) opens nothing
    after it; a cross-site post without the form's token does not log anyone out."""
    await staff.login(ADMIN_ID)
    copied = staff.client.cookies.get("bo_session")
    token = await staff.csrf("/web/events")
    answer = await staff.client.post("/web/logout", data={"csrf": "forged"})
    assert answer.status_code == 303
    staff.client.cookies.clear()
    staff.client.cookies.set("bo_session", copied)
    assert (await staff.client.get("/web/events")).status_code == 200  # still logged in
    answer = await staff.client.post("/web/logout", data={"csrf": token})
    assert answer.status_code == 303
    staff.client.cookies.clear()
    staff.client.cookies.set("bo_session", copied)
    assert (await staff.client.get("/web/events")).status_code == 401
    staff.client.cookies.clear()
    await staff.login(ADMIN_ID)  # a new link opens a new session
    assert (await staff.client.get("/web/events")).status_code == 200


async def test_posts_without_csrf_change_nothing(staff: Staff, harness: Harness) -> None:
    await staff.login(ADMIN_ID)
    before = await events(harness)
    for data in (FORM, {**FORM, "csrf": "forged"}):
        answer = await staff.client.post("/web/events/new", data=data)
        assert answer.status_code == 403 and "rien n’a été modifié" in answer.text
    first = await staff.services.events.upcoming(kinds=("workshop", "museum"), limit=1)
    event_id = first[0][0].id
    answer = await staff.client.post(f"/web/events/{event_id}/cancel", data={})
    assert answer.status_code == 403
    assert await events(harness) == before
    assert not (await staff.services.events.get(event_id)).cancelled  # type: ignore[union-attr]


async def test_html_in_a_title_is_escaped_everywhere(staff: Staff, harness: Harness) -> None:
    await staff.login(ADMIN_ID)
    title = '<script>alert("x")</script><b>Atelier</b>'
    answer = await staff.post("/web/events/new", {**FORM, "title_fr": title})
    assert answer.status_code == 303
    for path in (answer.headers["location"], "/web/events", "/web/calendar?month=2026-11"):
        page = await staff.client.get(path)
        assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    # In Telegram too: the bot's listing shows the tags as text (escaped in its HTML).
    amina, listing = await open_events(harness)
    await amina.press(listing, "el:workshop:0")
    workshops = await amina.wait_for_edit(listing["message_id"])
    assert '<script>alert("x")</script><b>Atelier</b>' in workshops["text"]


async def test_dates_in_the_past_and_bad_values_change_nothing(
    staff: Staff, harness: Harness
) -> None:
    await staff.login(ADMIN_ID)
    before = await events(harness)
    cases = [
        ({"date": "2026-11-01"}, "date est passée"),
        ({"start": "08:00", "end": "09:00", "date": "2026-11-25"}, "date est passée"),
        ({"start": "14:00", "end": "14:00"}, "après le début"),
        ({"date": "12/12/2026"}, "AAAA-MM-JJ"),
        ({"title_fr": ""}, "titre"),
        ({"title_fr": "x" * 101}, "titre"),
        ({"residence": "nowhere"}, "résidence n’existe pas"),
        ({"price": "cheap"}, "nombres"),
        ({"kind": "rave"}, "type d’événement"),
    ]
    for change, message in cases:
        answer = await staff.post("/web/events/new", {**FORM, **change})
        assert answer.status_code == 400, change
        assert message in answer.text, (change, answer.text[-1500:])
    assert await events(harness) == before
    first = (await staff.services.events.upcoming(kinds=("workshop",), limit=1))[0][0]
    answer = await staff.post(
        f"/web/events/{first.id}/move", {"date": "2026-11-20", "start": "10:00"}
    )
    assert answer.status_code == 400 and "date est passée" in answer.text
    assert (await staff.services.events.get(first.id)).starts_at == first.starts_at  # type: ignore[union-attr]


async def test_a_10_mb_calendar_is_refused_unread(staff: Staff, harness: Harness) -> None:
    await staff.login(ADMIN_ID)
    before = await events(harness)
    big = b"BEGIN:VCALENDAR\r\n" + b"X" * (10 * 1024 * 1024) + b"\r\nEND:VCALENDAR\r\n"
    answer = await staff.client.post(
        "/web/import",
        data={"csrf": await staff.csrf()},
        files={"file": ("agenda.ics", big, "text/calendar")},
    )
    assert answer.status_code == 413 and "dépasse 2 Mo" in answer.text
    broken = await staff.client.post(
        "/web/import",
        data={"csrf": await staff.csrf()},
        files={"file": ("agenda.ics", b"hello", "text/calendar")},
    )
    assert broken.status_code == 400 and "ne peut pas être lu" in broken.text
    assert "Ce n'est pas un fichier iCalendar (pas de BEGIN:VCALENDAR)." in broken.text
    assert await events(harness) == before


async def test_an_import_preview_says_what_it_skips_in_the_staff_language(
    staff: Staff, harness: Harness
) -> None:
    """The reasons an event is skipped come from the events capability in English (logs, the
    CLI) and reach staff in their own language, the event's own text escaped."""
    await staff.login(ADMIN_ID)
    feed = ics(
        "UID:<b>sans-titre</b>\r\nDTSTART;TZID=Europe/Paris:20261205T140000\r\n",
        "UID:bon\r\nDTSTART;TZID=Europe/Paris:20261206T140000\r\nSUMMARY:Atelier\r\n",
    )
    answer = await staff.client.post(
        "/web/import",
        data={"csrf": await staff.csrf()},
        files={"file": ("agenda.ics", feed, "text/calendar")},
    )
    assert answer.status_code == 200, answer.text[-800:]
    assert "&lt;b&gt;sans-titre&lt;/b&gt; : pas de SUMMARY (titre)." in answer.text
    assert "<b>sans-titre</b>" not in answer.text


async def test_a_calendar_is_imported_from_its_address(staff: Staff, harness: Harness) -> None:
    """An .ics URL (a venue's published agenda) gets the same preview as an uploaded file;
    an address that answers 404 gets the reason, and nothing changes until "apply". An
    address on the server's own network is refused unless WEB_IMPORT_PRIVATE allows it."""
    feed = ics(
        "UID:url-test-1\r\nDTSTART;TZID=Europe/Paris:20261205T140000\r\n"
        "DTEND;TZID=Europe/Paris:20261205T170000\r\nSUMMARY:Visite <b>du canal</b>\r\n"
        "CATEGORIES:heritage\r\n"
    )

    async def agenda(_: web.Request) -> web.Response:
        return web.Response(body=feed)

    app = web.Application()
    app.router.add_get("/agenda.ics", agenda)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = harness.services.settings
    try:
        await staff.login(ADMIN_ID)
        before = await events(harness)
        # By default the server's own network is out of reach, by address or by name.
        for url in (f"http://127.0.0.1:{port}/agenda.ics", f"http://localhost:{port}/agenda.ics"):
            refused = await staff.post("/web/import", {"url": url})
            assert refused.status_code == 400, url
            # In the staff member's language (French here).
            assert "une adresse de réseau privé, non autorisée" in refused.text, url
        # An intranet agenda (here, the test's server) needs WEB_IMPORT_PRIVATE.
        harness.services.settings = settings.model_copy(update={"web_import_private": True})
        missing = await staff.post("/web/import", {"url": f"http://127.0.0.1:{port}/none.ics"})
        assert missing.status_code == 400 and "le serveur a répondu HTTP 404" in missing.text
        answer = await staff.post("/web/import", {"url": f"http://127.0.0.1:{port}/agenda.ics"})
        assert answer.status_code == 200, answer.text[:300]
        assert "Visite &lt;b&gt;du canal&lt;/b&gt;" in answer.text  # escaped, not bold
        assert await events(harness) == before  # a preview changes nothing
    finally:
        harness.services.settings = settings
        await runner.cleanup()


async def test_pages_speak_the_staff_members_language(staff: Staff) -> None:
    await staff.login(ADMIN_ID)
    english = await staff.client.get("/web/events", headers={"accept-language": "en-GB,en"})
    assert "Pop-up shops and events" in english.text
    switched = await staff.client.get("/web/lang/ar?next=/web/gaps")
    assert switched.status_code == 303 and switched.headers["location"] == "/web/gaps"
    arabic = await staff.client.get("/web/gaps")
    assert 'dir="rtl"' in arabic.text and "أسئلة بلا إجابة" in arabic.text
    outside = await staff.client.get("/web/lang/es?next=https://evil.example/")
    assert outside.headers["location"] == "/web/"
