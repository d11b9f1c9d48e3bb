"""The content gaps page reads the details of the gaps it shows (languages, weeks, how
residents wrote them) wording by wording from one index, without the table's rows.

Revision ID: 0010_gaps
Revises: 0009_web
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_gaps"
down_revision: str | None = "0009_web"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_questions_wordings",
        "questions",
        ["confident", "normalized", "asked_at", "lang", "out_of_scope", "text"],
    )


def downgrade() -> None:
    op.drop_index("ix_questions_wordings", table_name="questions")
