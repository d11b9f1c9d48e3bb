"""Residents' profiles (entrance, topics, quiet hours, digest, /stop, onboarding) and the
residences' group chats.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("residents") as batch:
        batch.add_column(sa.Column("entrance", sa.String(64), nullable=True))
        batch.add_column(sa.Column("topics", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("quiet_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quiet_end", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("digest", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("seen_tips", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("stopped", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_residents_last_seen_at", "residents", ["last_seen_at"])
    op.create_table(
        "group_links",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("residence_id", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_group_links_residence_id", "group_links", ["residence_id"])


def downgrade() -> None:
    op.drop_index("ix_group_links_residence_id", table_name="group_links")
    op.drop_table("group_links")
    op.drop_index("ix_residents_last_seen_at", table_name="residents")
    with op.batch_alter_table("residents") as batch:
        for column in (
            "onboarded_at",
            "stopped",
            "seen_tips",
            "digest_sent_at",
            "digest",
            "quiet_end",
            "quiet_start",
            "topics",
            "entrance",
        ):
            batch.drop_column(column)
