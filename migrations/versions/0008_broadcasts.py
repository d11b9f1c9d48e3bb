"""Staff announcements: the announcements, their runs, and the outbox of deliveries.

Revision ID: 0008
Revises: 0007_staff
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("author_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("photo", sa.String(255), nullable=True),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("due_at", UTC, nullable=True),
        sa.Column("recurrence", sa.JSON(), nullable=True),
    )
    op.create_index("ix_announcements_status", "announcements", ["status"])
    op.create_index("ix_announcements_due_at", "announcements", ["due_at"])
    op.create_table(
        "broadcast_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "announcement_id",
            sa.Integer(),
            sa.ForeignKey("announcements.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("due_at", UTC, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("cursor", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("groups_done", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("reported_at", UTC, nullable=True),
        sa.UniqueConstraint("announcement_id", "due_at"),
    )
    op.create_index("ix_broadcast_runs_announcement_id", "broadcast_runs", ["announcement_id"])
    op.create_index("ix_broadcast_runs_status", "broadcast_runs", ["status"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("broadcast_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("residence_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("not_before", UTC, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", UTC, nullable=True),
        sa.UniqueConstraint("run_id", "chat_id"),
    )
    op.create_index("ix_deliveries_user_id", "deliveries", ["user_id"])
    op.create_index("ix_deliveries_status_not_before", "deliveries", ["status", "not_before"])
    op.create_index("ix_deliveries_run_status", "deliveries", ["run_id", "status"])


def downgrade() -> None:
    op.drop_table("deliveries")
    op.drop_table("broadcast_runs")
    op.drop_table("announcements")
