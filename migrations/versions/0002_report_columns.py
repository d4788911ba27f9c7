"""What reports read from the store without parsing JSON: each cycle's paused
time and the customer's share of the wait, and each ticket's business line,
assigned group, requester organisation and (for an outage ticket) service.
An index on ``sla_timers.stopped_at`` finds a period's stopped cycles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TICKET_COLUMNS = ("business_line", "assigned_group", "organisation", "service")


def upgrade() -> None:
    with op.batch_alter_table("sla_timers") as batch:
        batch.add_column(sa.Column("paused_for_us", sa.BigInteger(), server_default="0", nullable=False))
        batch.add_column(sa.Column("customer_wait_us", sa.BigInteger(), server_default="0", nullable=False))
        batch.create_index(batch.f("ix_sla_timers_stopped_at"), ["stopped_at"], unique=False)
    with op.batch_alter_table("sla_tickets") as batch:
        for name in _TICKET_COLUMNS:
            batch.add_column(sa.Column(name, sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sla_tickets") as batch:
        for name in reversed(_TICKET_COLUMNS):
            batch.drop_column(name)
    with op.batch_alter_table("sla_timers") as batch:
        batch.drop_index(batch.f("ix_sla_timers_stopped_at"))
        batch.drop_column("customer_wait_us")
        batch.drop_column("paused_for_us")
