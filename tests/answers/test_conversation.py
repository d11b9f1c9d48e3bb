"""Residents ask, the assistant answers: end to end through the stand-in, and the /gaps view."""

from __future__ import annotations

from sqlalchemy import select

from bot.answers.models import Feedback, QuestionLog
from tests.conftest import ADMIN_ID, RELOAD_WAIT, Harness


def buttons(message: dict) -> list[dict]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


def data_of(message: dict) -> list[str]:
    return [b.get("callback_data", "") for b in buttons(message)]


async def logged(harness: Harness) -> list[QuestionLog]:
    async with harness.db.session() as session:
        return list(await session.scalars(select(QuestionLog)))


async def test_a_question_with_typos_gets_the_right_answer_card(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    await amina.send("a combien je dois mettre le chauffage la nuit dans la chambre")
    [card] = await amina.wait_for_messages(1)
    assert card["text"].startswith("Chauffer à 19 °C")
    assert "19 °C" in card["text"] and "ademe.fr" in card["text"]
    assert any(e["type"] == "text_link" for e in card["entities"])
    data = data_of(card)
    assert any(d.startswith("e:") and d.endswith(":1") for d in data)  # more detail
    assert any(d.startswith("o:") for d in data)  # other answers
    assert any(d.startswith("f:") and d.endswith(":1") for d in data)  # 👍
    assert any(d.startswith("f:") and d.endswith(":0") for d in data)  # 👎
    assert any(b.get("url", "").startswith("https://") for b in buttons(card))  # source
    assert "h" in data  # main menu
    [row] = await logged(harness)
    assert row.lang == "fr" and row.confident and not row.out_of_scope
    assert row.top_entry_id == "heating-set-point"


async def test_questions_are_answered_in_their_own_language(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    await amina.send("هل مية الحنفية صالحة للشرب؟")
    [card] = await amina.wait_for_messages(1)
    assert "الحنفية" in card["text"] or "الصنبور" in card["text"]
    assert any("👍" in b["text"] for b in buttons(card))
    await amina.send("cómo ahorrar agua en la ducha")
    [card] = await amina.wait_for_messages(1)
    assert "ducha" in card["text"].lower()
    assert any("Más" in b["text"] or "más" in b["text"] for b in buttons(card))


async def test_out_of_scope_gets_an_honest_answer_with_a_contact(harness: Harness) -> None:
    sam = harness.resident(1005, "en")
    await sam.send("my boiler is broken and there is no heating, who do I call?")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("This is not something I can answer.")
    assert "caretaker" in reply["text"].lower() or "landlord" in reply["text"].lower()
    assert not any(d.startswith("f:") for d in data_of(reply))
    flag = next(d for d in data_of(reply) if d.startswith("n:"))  # 👎: "not what I asked"
    query = await sam.press(reply, flag)
    assert "team" in (await sam.wait_for_callback_answer(query))["text"]
    await sam.wait_for_edit(reply["message_id"])
    # The contact was in the reply already: no second message repeats it.
    await sam.send("I can't pay my rent this month")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("This is not something I can answer.")
    rows = await logged(harness)
    assert all(r.out_of_scope for r in rows)


async def test_nonsense_is_not_answered_with_confidence(harness: Harness) -> None:
    sam = harness.resident(1005, "en")
    await sam.send("zorglub frobnicate quantum blockchain")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("This is not something I can answer.")
    [row] = await logged(harness)
    assert not row.confident and row.out_of_scope


async def test_an_unsure_reply_offers_guesses_and_none_of_these_reaches_gaps(
    harness: Harness,
) -> None:
    from tests.conftest import ADMIN_ID

    sam = harness.resident(1005, "en")
    # Heating, the fridge or the hot water tank: a question that is about several subjects.
    await sam.send("what about the temperature")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"] == "I am not sure I understood. Did you mean one of these?"
    guesses = [d for d in data_of(reply) if d.startswith("e:")]
    assert 1 <= len(guesses) <= 3
    assert reply["text"].count("not sure") == 1
    none = next(d for d in data_of(reply) if d.startswith("n:"))
    query = await sam.press(reply, none)
    toast = await sam.wait_for_callback_answer(query)
    assert "team" in toast["text"]
    edited = await sam.wait_for_edit(reply["message_id"])
    assert not any(d.startswith("n:") for d in data_of(edited))
    # None of the guesses helps: whom to ask instead.
    [contact] = await sam.wait_for_messages(1)
    assert contact["text"].startswith("For any other question, please contact your building's")
    [row] = await logged(harness)
    assert not row.confident and not row.out_of_scope
    staff = harness.resident(ADMIN_ID, "en", "Staff")
    await staff.send("/gaps")
    [gaps] = await staff.wait_for_messages(1)
    assert "what about the temperature" in gaps["text"]


async def test_bad_input_never_breaks(harness: Harness) -> None:
    sam = harness.resident(1005, "en")
    await sam.send("👍🙂🔥")
    [reply] = await sam.wait_for_messages(1)
    assert "few words" in reply["text"]
    await sam.send("hello!!")
    [reply] = await sam.wait_for_messages(1)
    assert reply["text"].startswith("Hello!")
    await sam.send("<script>alert(1)</script> & '; DROP TABLE residents; -- water leak <b>")
    [reply] = await sam.wait_for_messages(1)
    assert "something went wrong" not in reply["text"]  # markup was escaped: Telegram took it
    assert reply["text"].split("\n")[0] in {
        "This is not something I can answer.",
        "I am not sure I understood. Did you mean one of these?",
    } or any(d.startswith("f:") for d in data_of(reply))
    paste = ("my tap drips all day and night, how much does it cost? " * 80)[:4000]
    await sam.send(paste)
    [reply] = await sam.wait_for_messages(1)
    assert "tap" in reply["text"].lower() or "drip" in reply["text"].lower()
    await sam.send("Wie kann ich Wasser sparen?")  # German: not supported
    [reply] = await sam.wait_for_messages(1)
    assert any(b["text"] == "🏠 Main menu" for b in buttons(reply))  # the resident's language
    await sam.send("call me on 06 12 34 56 78 or sam@example.org about my leak")
    await sam.wait_for_messages(1)
    texts = [r.text for r in await logged(harness)]
    assert not any("06 12" in t or "example.org" in t for t in texts)
    assert not {"user_id", "chat_id"} & set(QuestionLog.__table__.columns.keys())


async def test_detail_other_answers_and_feedback(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    await amina.send("mon robinet fuit goutte a goutte ca coute combien")
    [card] = await amina.wait_for_messages(1)
    short = card["text"]  # messages are live: the stand-in updates them on edits
    detail = next(d for d in data_of(card) if d.startswith("e:") and d.endswith(":1"))
    await amina.press(card, detail)
    edited = await amina.wait_for_edit(card["message_id"])
    assert len(edited["text"]) > len(short) and edited["text"].startswith(short.split("\n")[0])
    assert not any(d.startswith("e:") and d.endswith(":1") for d in data_of(edited))

    others = next(d for d in data_of(edited) if d.startswith("o:"))
    await amina.press(edited, others)
    listing = await amina.wait_for_edit(card["message_id"])
    choices = [d for d in data_of(listing) if d.startswith("e:")]
    assert 1 <= len(choices) <= 5
    await amina.press(listing, choices[0])
    shown = await amina.wait_for_edit(card["message_id"])
    assert any(d.startswith("f:") for d in data_of(shown))

    vote = next(d for d in data_of(shown) if d.startswith("f:") and d.endswith(":0"))
    query = await amina.press(shown, vote)
    answer = await amina.wait_for_callback_answer(query)
    assert answer.get("text")
    after = await amina.wait_for_edit(card["message_id"])
    assert not any(d.startswith("f:") for d in data_of(after))
    async with harness.db.session() as session:
        [feedback] = list(await session.scalars(select(Feedback)))
    assert feedback.helpful is False and feedback.entry_id == vote.split(":")[2]


async def test_forged_and_stale_answer_buttons(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    await amina.send("/start")
    [menu] = await amina.wait_for_messages(1)
    for forged in (
        "f:12345:heating-set-point:1",
        "e:99:no-such-entry:0",
        "o:77",
        "e:x:y:1",
        "m:home",
        "h:extra",
        "c:nope:0",
    ):
        query = await amina.press_data(menu["message_id"], forged)
        answer = await amina.wait_for_callback_answer(query)
        assert answer.get("text") == "Ce bouton ne marche plus."
        [fresh] = await amina.wait_for_messages(1)
        assert len(buttons(fresh)) == 4
    async with harness.db.session() as session:
        assert list(await session.scalars(select(Feedback))) == []


async def test_browsing_without_typing(harness: Harness) -> None:
    lina = harness.resident(1007, "es")
    await lina.send("/start")
    [menu] = await lina.wait_for_messages(1)
    await lina.press(menu, "m:water_energy")
    topics = await lina.wait_for_edit(menu["message_id"])
    assert "c:water.leaks:0" in data_of(topics)
    assert "h" in data_of(topics)
    await lina.press(topics, "c:water.leaks:0")
    listing = await lina.wait_for_edit(menu["message_id"])
    entries = [d for d in data_of(listing) if d.startswith("e:0:")]
    assert entries
    listing_data = data_of(listing)
    await lina.press(listing, entries[0])
    entry = await lina.wait_for_edit(menu["message_id"])
    assert "c:water.leaks:0" in data_of(entry)  # back to the sub-topic
    assert any(d.startswith("f:0:") for d in data_of(entry))
    await lina.press(entry, "c:water.leaks:0")
    back = await lina.wait_for_edit(menu["message_id"])
    assert data_of(back) == listing_data


async def test_browsing_pages(harness: Harness, monkeypatch) -> None:
    import handlers.browse

    monkeypatch.setattr(handlers.browse, "PAGE_SIZE", 2)
    lina = harness.resident(1007, "en")
    await lina.send("/start")
    [menu] = await lina.wait_for_messages(1)
    await lina.press_data(menu["message_id"], "c:recycling.sorting:0")
    page = await lina.wait_for_edit(menu["message_id"])
    assert "c:recycling.sorting:1" in data_of(page)
    assert "(page 1 of" in page["text"]
    await lina.press(page, "c:recycling.sorting:1")
    second = await lina.wait_for_edit(menu["message_id"])
    assert "c:recycling.sorting:0" in data_of(second) and "c:recycling.sorting:2" in data_of(second)
    await lina.press_data(menu["message_id"], "c:recycling.sorting:99")  # clamped to the last
    last = await lina.wait_for_edit(menu["message_id"])
    assert "▶️" not in [b["text"] for b in buttons(last)]


async def test_gaps_is_for_staff_and_lists_unanswered_questions(harness: Harness) -> None:
    resident = harness.resident(1001, "en")
    await resident.send("/gaps")
    [refused] = await resident.wait_for_messages(1)  # as any unknown command: not advertised
    assert "I do not know the command /gaps" in refused["text"]
    for text in ("zorglub frobnicate", "Zorglub frobnicate!", "blorp quux"):
        await resident.send(text)
        await resident.wait_for_messages(1)
    await resident.send("how do I read my water meter")
    [card] = await resident.wait_for_messages(1)
    vote = next(d for d in data_of(card) if d.startswith("f:") and d.endswith(":0"))
    query = await resident.press(card, vote)
    await resident.wait_for_callback_answer(query)

    staff = harness.resident(ADMIN_ID, "en", "Staff")
    await staff.send("/gaps")
    [report] = await staff.wait_for_messages(1)
    lines = report["text"].splitlines()
    assert "last 7 days" in lines[0]
    assert "×2" in lines[1] and "orglub frobnicate" in lines[1]
    assert any("water meter" in line and "👎" in line for line in lines)
    harness.clock.advance(days=8)
    await staff.send("/gaps")
    [empty] = await staff.wait_for_messages(1)
    assert "No unanswered question" in empty["text"]


async def test_a_button_on_a_message_telegram_no_longer_has(harness: Harness) -> None:
    """Telegram sends an inaccessible message for very old ones: answer with a new message."""
    lina = harness.resident(1007, "en")
    await lina.send("/start")
    [menu] = await lina.wait_for_messages(1)
    await harness.application.bot.delete_message(1007, menu["message_id"])
    query = await lina.press_data(menu["message_id"], "m:recycling")
    await lina.wait_for_callback_answer(query)
    [fresh] = await lina.wait_for_messages(1)
    assert "c:recycling.sorting:0" in data_of(fresh)


async def test_the_vote_is_thanked_in_the_language_of_the_answer(harness: Harness) -> None:
    amina = harness.resident(1001, "fr")
    await amina.send("هل مية الحنفية صالحة للشرب؟")
    [card] = await amina.wait_for_messages(1)
    vote = next(d for d in data_of(card) if d.startswith("f:") and d.endswith(":1"))
    query = await amina.press(card, vote)
    answer = await amina.wait_for_callback_answer(query)
    assert answer["text"] == harness.services.catalogs.get("ar")._(
        "Thank you! Your answer helps us improve."
    )
    assert answer["text"] != "Merci ! Votre réponse nous aide à nous améliorer."


async def test_thanks_get_you_are_welcome_in_the_residents_language(harness: Harness) -> None:
    cases = [
        ("fr", "merci !", "Avec plaisir"),
        ("en", "thanks a lot", "You're welcome"),
        ("ar", "شكرا", "عفوًا"),
        ("pt", "obrigada", "De nada"),
        ("es", "muchas gracias", "¡De nada!"),
        ("fr", "au revoir", "Au revoir"),
        ("en", "hello", "Hello!"),
        # The greeting most residents write, in Latin letters, whatever their language.
        ("ar", "salam", "مرحبا!"),
        ("fr", "slm", "Bonjour !"),
        ("en", "salam alikoum", "Hello!"),
        # Asking how the assistant is: the greeting, not the small-talk contact.
        ("fr", "ça va ?", "Bonjour !"),
        ("en", "how are you", "Hello!"),
        ("es", "¿qué tal?", "¡Hola!"),
    ]
    for number, (lang, text, expected) in enumerate(cases):
        resident = harness.resident(1100 + number, lang)
        await resident.send(text)
        [reply] = await resident.wait_for_messages(1)
        assert reply["text"].startswith(expected), (text, reply["text"])
        assert reply["text"].count(expected) == 1


async def test_an_entry_not_yet_translated_shows_in_french_with_a_note(
    tmp_path, standin, database, clock, catalogs
) -> None:
    """Staff wrote it in French only: an English question still finds it, and the card says
    why it is in French. A French resident sees no note."""
    from bot.answers.library import Library
    from tests.answers.test_content import with_french_only_entry
    from tests.conftest import start_app, stop_app

    library = Library(with_french_only_entry(tmp_path), catalogs.supported, "fr")
    assistant = await start_app(standin, database, clock, library, catalogs)
    try:
        sam = standin.user(1005, "Sam", language_code="en")
        await sam.send("when is the Nuit Blanche this year?")
        [card] = await sam.wait_for_messages(1)
        note = "ℹ️ This answer is not yet translated into your language."
        assert card["text"].startswith(f"{note}\n\nLa Nuit Blanche\n\nLa Nuit Blanche : une nuit")
        assert any("👍" in b["text"] for b in buttons(card))
        [row] = await logged(Harness(standin, assistant, clock))
        assert row.lang == "en" and row.top_entry_id == "nuit-blanche-test"

        amina = standin.user(1001, "Amina", language_code="fr")
        await amina.send("c'est quand la nuit blanche ?")
        [card] = await amina.wait_for_messages(1)
        assert card["text"].startswith("La Nuit Blanche\n\n")
    finally:
        await stop_app(assistant)


async def test_reload_tells_staff_what_is_not_yet_translated(
    tmp_path, standin, database, clock, catalogs
) -> None:
    from bot.answers.library import Library
    from tests.answers.test_content import tiny_content
    from tests.conftest import start_app, stop_app

    library = Library(tiny_content(tmp_path), catalogs.supported, "fr")
    assistant = await start_app(standin, database, clock, library, catalogs)
    try:
        staff = standin.user(ADMIN_ID, "Staff", language_code="en")
        await staff.send("/reload")
        [reply] = await staff.wait_for_messages(1, timeout=RELOAD_WAIT)
        assert reply["text"].startswith("Content reloaded:")
        assert "2 warnings (texts not yet translated): “content check” lists them." in reply["text"]
    finally:
        await stop_app(assistant)


async def test_a_reload_with_a_bad_events_file_changes_nothing_at_all(
    tmp_path, standin, database, clock, catalogs
) -> None:
    """The answers and the events files are reloaded together: an edit to the answers is not
    put in service while the events files are broken, and staff read why."""
    from bot.answers.library import Library
    from bot.events.library import EventsLibrary
    from tests.answers.test_content import copy_content, edit_title
    from tests.conftest import ADMIN_ID, start_app, stop_app

    content = copy_content(tmp_path)
    library = Library(content, catalogs.supported, "fr")
    whatson = EventsLibrary(content, catalogs.supported)
    assistant = await start_app(standin, database, clock, library, catalogs, whatson)
    try:
        before = library.answerer
        edit_title(content, "heating-set-point", "fr", "Titre jamais publié")
        (content / "events" / "places.yaml").write_text("places: [oops", encoding="utf-8")
        staff = standin.user(ADMIN_ID, "Staff", language_code="fr")
        await staff.send("/reload")
        [reply] = await staff.wait_for_messages(1, timeout=RELOAD_WAIT)
        assert "rien n’a été changé" in reply["text"] and "places.yaml" in reply["text"]
        assert library.answerer is before  # the answers' edit is not in service either
    finally:
        await stop_app(assistant)


async def test_darija_in_latin_letters_mixed_with_french_is_understood(harness: Harness) -> None:
    """ "3andi mochkil m3a chauffage" (I have a problem with the heating): the Darija words
    count for their French meaning, so the resident gets the heating card or whom to call for
    a breakdown, not a bare "not ours"."""
    resident = harness.resident(1001, "fr")
    await resident.send("salam, 3andi mochkil m3a chauffage")
    [reply] = await resident.wait_for_messages(1)
    assert "chauffage" in reply["text"].lower() or "gardien" in reply["text"].lower()
    assert not reply["text"].startswith("Bonjour")
    [row] = await logged(harness)
    assert row.top_entry_id is not None
    assert row.top_entry_id.startswith("heating") or row.top_entry_id == "repairs"


async def test_a_message_asking_only_for_help_gets_the_help_and_the_menu(harness: Harness) -> None:
    """ "aide", "menu", "what can you do": the help, in the resident's language, with the topics;
    a question that contains the word ("aide au logement") is still a question."""
    for number, (lang, text, title) in enumerate(
        [
            ("fr", "bonjour, aide svp", "Comment utiliser l’assistant"),
            ("en", "what can you do?", "How to use the assistant"),
            ("es", "ayuda", harness.services.catalogs.get("es")._("How to use the assistant")),
            ("ar", "مساعدة", harness.services.catalogs.get("ar")._("How to use the assistant")),
        ]
    ):
        resident = harness.resident(1200 + number, lang)
        await resident.send(text)
        [reply] = await resident.wait_for_messages(1)
        assert reply["text"].startswith(title), (text, reply["text"])
        assert "/stop" in reply["text"] and len(buttons(reply)) >= 4
    resident = harness.resident(1300, "fr")
    await resident.send("aide au logement")
    [reply] = await resident.wait_for_messages(1)
    assert not reply["text"].startswith("Comment utiliser")
    assert "CAF" in reply["text"]


async def test_a_reaction_alone_gets_an_invitation_to_ask_not_a_card(harness: Harness) -> None:
    """ "oui", "super", "sim", "cool": no card picked from a lucky word ("sim" is not a SIM card,
    "super" no battery) and no "I can't answer that"; the same words in a question count."""
    for number, (lang, text) in enumerate(
        [("fr", "super"), ("fr", "oui"), ("pt", "sim"), ("en", "nice"), ("ar", "تمام")]
    ):
        resident = harness.resident(1400 + number, lang)
        await resident.send(text)
        [reply] = await resident.wait_for_messages(1)
        invitation = harness.services.catalogs.get(lang)._(
            "Ask me a question in your own words, or choose a topic below."
        )
        assert reply["text"] == invitation, (text, reply["text"])
        assert len(buttons(reply)) >= 4
    resident = harness.resident(1500, "en")
    await resident.send("how to keep cool in summer")
    [reply] = await resident.wait_for_messages(1)
    assert reply["text"] != "Ask me a question in your own words, or choose a topic below."


async def test_asking_for_a_person_gets_whom_to_reach(harness: Harness) -> None:
    """ "je veux parler à un humain": the caretaker, the landlord, the association's staff (the
    content's default contact), in the resident's language; not the small-talk reply."""
    contacts = harness.services.answers.answerer.content.default_contact
    for number, (lang, text) in enumerate(
        [
            ("fr", "bonjour, je veux parler à un humain"),
            ("en", "talk to a person"),
            ("pt", "quero falar com uma pessoa"),
        ]
    ):
        resident = harness.resident(1600 + number, lang)
        await resident.send(text)
        [reply] = await resident.wait_for_messages(1)
        assert reply["text"] == contacts[lang], (text, reply["text"])
        assert len(buttons(reply)) >= 4
