"""The back office at scale: the event list with 5,000 events and the content gaps with
100,000 logged questions, timed through the whole web stack (routing, session and role
check, queries, templates) on a fresh SQLite database (the default backend).

The questions are spread over 12 weeks in five languages; a third got "not sure" or "out of
scope", in 3,000 different wordings (a few asked often, most once or twice, as in real logs),
with 👍/👎 on some answers. Target: p95 under 100 ms for each page.
Run: python -m bench.web [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from bot.answers.models import Feedback, QuestionLog
from bot.app import build_assistant, settle_memory
from bot.backoffice.web import backoffice_app
from bot.config import Settings
from bot.events.models import Event, Residence
from bot.storage.migrate import upgrade

LANGS = ("fr", "fr", "fr", "ar", "en", "pt", "es")
WORDS = [
    "chaudière",
    "panne",
    "loyer",
    "voisin",
    "bruit",
    "ascenseur",
    "cave",
    "parking",
    "clé",
    "facture",
    "eau",
    "chaude",
    "radiateur",
    "fuite",
    "plafond",
    "humidité",
    "moisissure",
    "poubelle",
    "encombrant",
    "vélo",
    "local",
    "gardien",
    "interphone",
    "boîte",
    "lettres",
    "chauffage",
    "électricité",
    "compteur",
    "prise",
    "ampoule",
    "fenêtre",
    "volet",
    "porte",
    "serrure",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def fill(settings: Settings, events: int, questions: int, rng: random.Random) -> None:
    assistant = build_assistant(settings)
    db = assistant.db
    now = datetime.now(UTC)
    async with db.session() as session:
        await session.execute(
            insert(Residence),
            [
                {
                    "id": f"bench-{i}",
                    "name": f"Résidence Bench {i}",
                    "address": f"{i} rue du Test",
                    "city": "93000 Bobigny",
                    "latitude": 48.8 + rng.random() / 5,
                    "longitude": 2.3 + rng.random() / 3,
                    "entrances": [],
                    "sample": True,
                    "source": "web",
                    "updated_at": now,
                }
                for i in range(200)
            ],
        )
        rows = []
        for i in range(events):
            start = now + timedelta(hours=rng.randrange(1, 24 * 180))
            kind = rng.choice(("popup", "museum", "heritage_tour", "workshop", "other"))
            rows.append(
                {
                    "key": f"bench:{i}",
                    "source": "bench",
                    "series": f"bench:{i}",
                    "kind": kind,
                    "status": "cancelled" if i % 50 == 0 else "scheduled",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=3),
                    "all_day": False,
                    "timezone": "Europe/Paris",
                    "titles": {"fr": f"Événement {i} <b>&</b>"},
                    "descriptions": {},
                    "accessibility": {},
                    "residence_id": f"bench-{rng.randrange(200)}",
                    "place": "Salle",
                    "address": "1 rue",
                    "details": {},
                    "sample": True,
                    "staff_changed": False,
                    "checksum": "",
                    "updated_at": now,
                }
            )
        await session.execute(insert(Event), rows)
    wordings = [" ".join(rng.sample(WORDS, rng.randint(3, 6))) for _ in range(3000)]
    weights = [1 / (rank + 1) for rank in range(len(wordings))]  # Zipf-like
    chosen = rng.choices(range(len(wordings)), weights, k=questions)
    batch: list[dict[str, object]] = []
    votes: list[dict[str, object]] = []
    for n, index in enumerate(chosen):
        gap = n % 3 == 0
        text = wordings[index] if gap else f"question ordinaire {n % 5000}"
        question_id = n + 1
        batch.append(
            {
                "id": question_id,
                "asked_at": now - timedelta(minutes=rng.randrange(12 * 7 * 24 * 60)),
                "lang": rng.choice(LANGS),
                "text": text,
                "normalized": text,
                "out_of_scope": gap and n % 2 == 0,
                "confident": not gap,
                "top_entry_id": None,
                "score": 0.5,
                "results": [],
            }
        )
        if n % 20 == 0:
            votes.append(
                {
                    "question_id": question_id,
                    "entry_id": f"entry-{n % 40}",
                    "helpful": n % 3 != 0,
                    "created_at": now,
                }
            )
        if len(batch) == 10_000:
            async with db.session() as session:
                await session.execute(insert(QuestionLog), batch)
            batch = []
    async with db.session() as session:
        if batch:
            await session.execute(insert(QuestionLog), batch)
        await session.execute(insert(Feedback), votes)
    await assistant.close()


async def run(url: str, calls: int, events: int, questions: int) -> None:
    rng = random.Random(7)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=url,
        admin_ids="1",
        web_secret="b" * 40,
        web_url="http://bench.test",
    )
    began = time.perf_counter()
    await fill(settings, events, questions, rng)
    print(f"filled {events} events, {questions} questions in {time.perf_counter() - began:.1f} s")
    assistant = build_assistant(settings)
    services = assistant.services
    assert services.web is not None
    link = await services.web.login_link(1)
    assert link is not None
    app = backoffice_app(services)
    settle_memory()  # as `residents-bot web` and `run` do once started
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.test") as client:
        login = await client.post(link.removeprefix("http://bench.test"))
        assert login.status_code == 303
        pages = {
            "event list (all, page 1)": lambda: "/web/events",
            "event list (a residence)": lambda: f"/web/events?residence=bench-{rng.randrange(200)}",
            "event list (page 40)": lambda: "/web/events?page=40",
            "calendar (a month)": lambda: "/web/calendar",
            "gaps (4 weeks)": lambda: "/web/gaps",
            "gaps (12 weeks)": lambda: "/web/gaps?weeks=12",
        }
        print(f"{calls} calls each, whole request through the ASGI app:")
        for name, path in pages.items():
            timings = []
            for _ in range(calls):
                start = time.perf_counter()
                answer = await client.get(path())
                timings.append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, answer.text[:300]
            p95 = percentile(timings, 95)
            verdict = "ok" if p95 < 100 else "OVER the 100 ms target"
            print(
                f"  {name:<26} p50 {statistics.median(timings):6.1f} ms   "
                f"p95 {p95:6.1f} ms   {verdict}"
            )
    await assistant.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--questions", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(url)
    asyncio.run(run(url, args.calls, args.events, args.questions))


if __name__ == "__main__":
    main()
