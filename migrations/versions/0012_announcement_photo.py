"""A photo uploaded with an announcement in the back office, kept until the outbox has given
it to Telegram (then the announcement names Telegram's file_id, as the bot's composer does).

Revision ID: 0012_announcement_photo
Revises: 0011_gap_details
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_announcement_photo"
down_revision: str | None = "0011_gap_details"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("announcements", sa.Column("photo_file", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("photo_file")
