"""Ticket events from watched host models that could not be recorded at the
host's commit (the store was unreachable, or refused them), kept for a retry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sla_timers.store.types import UTCDateTime

#: BIGINT keys, INTEGER on SQLite (only that autoincrements there).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_watch_pending",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("ticket", sa.String(length=255), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_watch_pending")),
        sa.UniqueConstraint("key", name=op.f("uq_sla_watch_pending_key")),
    )
    op.create_index(
        op.f("ix_sla_watch_pending_status_next_attempt_at"),
        "sla_watch_pending",
        ["status", "next_attempt_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sla_watch_pending_status_next_attempt_at"), table_name="sla_watch_pending")
    op.drop_table("sla_watch_pending")
