"""The store's tables: configuration versions, tickets, their events and timers,
escalations fired, the outbox and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sla_timers.store.types import UTCDateTime

#: BIGINT keys, INTEGER on SQLite (only that autoincrements there).
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_audit_log",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("object_name", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_audit_log")),
    )
    op.create_index(
        op.f("ix_sla_audit_log_object_type_object_name"), "sla_audit_log", ["object_type", "object_name"], unique=False
    )

    op.create_table(
        "sla_calendars",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendars")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_sla_calendars_name_version")),
    )
    op.create_table(
        "sla_ladders",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_ladders")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_sla_ladders_name_version")),
    )
    op.create_table(
        "sla_matrices",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_matrices")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_sla_matrices_name_version")),
    )
    op.create_table(
        "sla_outbox",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("notify_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("leased_until", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_sla_outbox_key")),
    )
    op.create_index(
        op.f("ix_sla_outbox_status_next_attempt_at"), "sla_outbox", ["status", "next_attempt_at"], unique=False
    )

    op.create_table(
        "sla_policies",
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
        sa.UniqueConstraint("name", "version", name=op.f("uq_sla_policies_name_version")),
    )
    op.create_table(
        "sla_tickets",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("host_id", sa.String(length=255), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("classification", sa.JSON(), nullable=True),
        sa.Column("trace", sa.JSON(), nullable=True),
        sa.Column("matrix_version", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=64), nullable=True),
        sa.Column("policy_name", sa.String(length=255), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("calendar", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_tickets")),
        sa.UniqueConstraint("host_id", name=op.f("uq_sla_tickets_host_id")),
    )
    op.create_table(
        "sla_escalations",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=128), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("notify_at", UTCDateTime(), nullable=True),
        sa.Column("fired_at", UTCDateTime(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["sla_tickets.id"], name=op.f("fk_sla_escalations_ticket_id_sla_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_escalations")),
        sa.UniqueConstraint(
            "ticket_id", "metric", "cycle", "step", name=op.f("uq_sla_escalations_ticket_id_metric_cycle_step")
        ),
    )
    op.create_table(
        "sla_ticket_events",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["sla_tickets.id"],
            name=op.f("fk_sla_ticket_events_ticket_id_sla_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_ticket_events")),
        sa.UniqueConstraint("ticket_id", "event_id", name=op.f("uq_sla_ticket_events_ticket_id_event_id")),
    )
    op.create_index(
        op.f("ix_sla_ticket_events_ticket_id_occurred_at"),
        "sla_ticket_events",
        ["ticket_id", "occurred_at"],
        unique=False,
    )

    op.create_table(
        "sla_timers",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("ticket_id", BIG_ID, nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("clock", sa.String(length=16), nullable=False),
        sa.Column("target_us", sa.BigInteger(), nullable=True),
        sa.Column("elapsed_us", sa.BigInteger(), nullable=False),
        sa.Column("remaining_us", sa.BigInteger(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("breached_at", UTCDateTime(), nullable=True),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("stop_reason", sa.String(length=255), nullable=True),
        sa.Column("paused_since", UTCDateTime(), nullable=True),
        sa.Column("running_since", UTCDateTime(), nullable=True),
        sa.Column("next_warning_at", UTCDateTime(), nullable=True),
        sa.Column("warning_level", sa.String(length=32), nullable=True),
        sa.Column("next_check_at", UTCDateTime(), nullable=True),
        sa.Column("evaluated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["sla_tickets.id"], name=op.f("fk_sla_timers_ticket_id_sla_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_timers")),
        sa.UniqueConstraint("ticket_id", "metric", "cycle", name=op.f("uq_sla_timers_ticket_id_metric_cycle")),
    )
    op.create_index(op.f("ix_sla_timers_next_check_at"), "sla_timers", ["next_check_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sla_timers_next_check_at"), table_name="sla_timers")

    op.drop_table("sla_timers")
    op.drop_index(op.f("ix_sla_ticket_events_ticket_id_occurred_at"), table_name="sla_ticket_events")

    op.drop_table("sla_ticket_events")
    op.drop_table("sla_escalations")
    op.drop_table("sla_tickets")
    op.drop_table("sla_policies")
    op.drop_index(op.f("ix_sla_outbox_status_next_attempt_at"), table_name="sla_outbox")

    op.drop_table("sla_outbox")
    op.drop_table("sla_matrices")
    op.drop_table("sla_ladders")
    op.drop_table("sla_calendars")
    op.drop_index(op.f("ix_sla_audit_log_object_type_object_name"), table_name="sla_audit_log")

    op.drop_table("sla_audit_log")
