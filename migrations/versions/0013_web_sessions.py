"""A back-office session ends when its staff member logs out, copies of its cookie included:
the used login link's row is the session, closed at logout.

Revision ID: 0013_web_sessions
Revises: 0012_announcement_photo
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_web_sessions"
down_revision: str | None = "0012_announcement_photo"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("web_logins", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_logins") as batch:
        batch.drop_column("closed_at")
