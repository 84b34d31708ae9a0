"""transparency: log keys, exam manifests, signed checkpoints, witness cosignatures, receipts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("vkey", sa.String(length=300), nullable=False),
        sa.Column("key_file", sa.String(length=200), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_log_keys")),
        sa.UniqueConstraint("origin", name=op.f("uq_log_keys_origin")),
    )
    op.create_table(
        "exam_manifests",
        sa.Column("exam_id", sa.Integer(), nullable=False),
        sa.Column("manifest", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["exam_id"], ["exams.id"], name=op.f("fk_exam_manifests_exam_id_exams")),
        sa.PrimaryKeyConstraint("exam_id", name=op.f("pk_exam_manifests")),
    )
    op.create_table(
        "checkpoints",
        sa.Column("size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("milestone", sa.String(length=200), nullable=True),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("size", name=op.f("pk_checkpoints")),
    )
    op.create_table(
        "cosignatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("witness", sa.String(length=200), nullable=False),
        sa.Column("vkey", sa.String(length=300), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("by", sa.String(length=64), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["size"], ["checkpoints.size"], name=op.f("fk_cosignatures_size_checkpoints")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cosignatures")),
        sa.UniqueConstraint("size", "vkey", name=op.f("uq_cosignatures_size")),
    )
    with op.batch_alter_table("cosignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cosignatures_size"), ["size"], unique=False)
    op.create_table(
        "receipts",
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("exam", sa.String(length=64), nullable=False),
        sa.Column("candidate", sa.String(length=64), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("submit_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("answers_hash", sa.String(length=64), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("created_at_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name=op.f("fk_receipts_attempt_id_attempts")),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_receipts")),
    )
    _protect("checkpoints")


def downgrade() -> None:
    _unprotect("checkpoints")
    op.drop_table("receipts")
    with op.batch_alter_table("cosignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cosignatures_size"))
    op.drop_table("cosignatures")
    op.drop_table("checkpoints")
    op.drop_table("exam_manifests")
    op.drop_table("log_keys")


def _protect(table: str) -> None:
    """Signed checkpoints, like events, are never updated or deleted (the database refuses)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ujian_events_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )


def _unprotect(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
