"""The emergency kind the model half suspected for a question that still got its answer (with
that kind's number above it), so /gaps can show staff these doubtful messages.

Revision ID: 0014_question_concern
Revises: 0013_web_sessions
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_question_concern"
down_revision: str | None = "0013_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("questions", sa.Column("concern", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("questions") as batch:
        batch.drop_column("concern")
