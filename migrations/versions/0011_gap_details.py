"""The content gaps page reads the languages of the gaps it shows grouped as an index is
walked (wording, then language: no sorting), and their weeks from a narrow index (wording,
then time); the index of 0010 (wording, then time, then language) made the first sort every
question of the shown wordings, and is replaced by these two.

Revision ID: 0011_gap_details
Revises: 0010_gaps
Create Date: 2026-12-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011_gap_details"
down_revision: str | None = "0010_gaps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_questions_languages",
        "questions",
        ["confident", "normalized", "lang", "asked_at", "out_of_scope", "text"],
    )
    op.create_index("ix_questions_weeks", "questions", ["confident", "normalized", "asked_at"])
    op.drop_index("ix_questions_wordings", table_name="questions")


def downgrade() -> None:
    op.create_index(
        "ix_questions_wordings",
        "questions",
        ["confident", "normalized", "asked_at", "lang", "out_of_scope", "text"],
    )
    op.drop_index("ix_questions_weeks", table_name="questions")
    op.drop_index("ix_questions_languages", table_name="questions")
