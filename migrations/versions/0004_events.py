"""Residences, events and reminders; a resident's residence.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "residences",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("entrances", sa.JSON(), nullable=True),
        sa.Column("sample", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(255), nullable=False, unique=True),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("series", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("all_day", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=True),
        sa.Column("descriptions", sa.JSON(), nullable=True),
        sa.Column("accessibility", sa.JSON(), nullable=True),
        sa.Column("residence_id", sa.String(64), nullable=True),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("registration", sa.String(500), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("sample", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("staff_changed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("previous_starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_events_source", "events", ["source"])
    op.create_index("ix_events_starts_at", "events", ["starts_at"])
    op.create_index("ix_events_residence_id", "events", ["residence_id"])
    op.create_index("ix_events_kind_starts_at", "events", ["kind", "starts_at"])
    op.create_table(
        "event_reminders",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "event_id", "kind"),
    )
    op.create_index("ix_event_reminders_event_id", "event_reminders", ["event_id"])
    op.create_index("ix_event_reminders_due_at", "event_reminders", ["due_at"])
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("residence_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.drop_column("residence_id")
    op.drop_table("event_reminders")
    op.drop_index("ix_events_kind_starts_at", table_name="events")
    op.drop_index("ix_events_residence_id", table_name="events")
    op.drop_index("ix_events_starts_at", table_name="events")
    op.drop_index("ix_events_source", table_name="events")
    op.drop_table("events")
    op.drop_table("residences")
