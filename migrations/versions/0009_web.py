"""The staff back office: one-time login links, uploaded calendars awaiting confirmation,
gaps marked handled (and an index the gaps page reads alone), and who owns each residence (content file or back office) with its
languages.

Revision ID: 0009_web
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_web"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_logins",
        sa.Column("nonce", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_web_logins_expires_at", "web_logins", ["expires_at"])
    op.create_table(
        "web_imports",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_imports_created_at", "web_imports", ["created_at"])
    op.create_table(
        "gaps_handled",
        sa.Column("normalized", sa.String(300), primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_by", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_questions_gaps",
        "questions",
        ["confident", "asked_at", "normalized", "lang", "out_of_scope"],
    )
    with op.batch_alter_table("residences") as batch:
        batch.add_column(
            sa.Column("source", sa.String(16), nullable=False, server_default="content")
        )
        batch.add_column(sa.Column("languages", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residences") as batch:
        batch.drop_column("languages")
        batch.drop_column("source")
    op.drop_index("ix_questions_gaps", "questions")
    op.drop_table("gaps_handled")
    op.drop_index("ix_web_imports_created_at", "web_imports")
    op.drop_table("web_imports")
    op.drop_index("ix_web_logins_expires_at", "web_logins")
    op.drop_table("web_logins")
