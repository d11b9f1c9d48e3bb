"""What an operator graphs, in Prometheus' text format at /metrics (bot/web.py).

Each assistant has its own registry (two in one test process do not mix). Only the telegram
plumbing and the assembly touch these: handlers and services report through plain callbacks
(Services.record_answer), so they never import prometheus_client. Each process exposes its
own figures: with several webhook workers, scrape each (Prometheus sums them).
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

# Seconds from taking an update to its handlers' end: most replies take a few milliseconds
# plus Telegram's round trip; a flood-limit wait can take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        ProcessCollector(registry=r)
        self.updates = Counter(
            "residents_updates",
            "Updates handled, by kind (message, callback_query, ...)",
            ["kind"],
            registry=r,
        )
        self.latency = Histogram(
            "residents_reply_seconds",
            "Seconds from taking an update to the end of its handlers (replies sent)",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.answers = Counter(
            "residents_answers",
            "Questions by outcome: answer, unsure, out_of_scope, courtesy, empty",
            ["outcome"],
            registry=r,
        )
        self.deliveries = Counter(
            "residents_deliveries",
            "Broadcast deliveries by status (sent, blocked, failed)",
            ["status"],
            registry=r,
        )
        self.flood_limits = Counter(
            "residents_telegram_429",
            "Flood-limit answers (429 Too Many Requests) received from Telegram, by method",
            ["method"],
            registry=r,
        )
        self.webhook_requests = Counter(
            "residents_webhook_requests",
            "Webhook requests by result: accepted, duplicate, forbidden, invalid, unavailable",
            ["result"],
            registry=r,
        )
        self.inbox_backlog = Gauge(
            "residents_inbox_backlog",
            "Updates stored but not handled yet (all processes)",
            registry=r,
        )
        self.scheduler_active = Gauge(
            "residents_scheduler_active",
            "1 in the one process that runs the scheduled jobs, else 0",
            registry=r,
        )

    # Callbacks handed to the parts that must not know prometheus_client.

    def record_update(self, kind: str, seconds: float) -> None:
        self.updates.labels(kind=kind).inc()
        self.latency.observe(seconds)

    def record_answer(self, outcome: str) -> None:
        self.answers.labels(outcome=outcome).inc()

    def record_flood(self, method: str) -> None:
        self.flood_limits.labels(method=method).inc()

    def record_delivery(self, status: str) -> None:
        self.deliveries.labels(status=status).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def value(self, name: str, **labels: str) -> float:
        """A sample's current value (0 when absent), for tests and the health summary."""
        return self.registry.get_sample_value(name, labels) or 0.0
