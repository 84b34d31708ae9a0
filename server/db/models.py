"""SQLAlchemy models: the exam's domain rows and the append-only event log."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Exam(Base):
    """One exam definition with its item bank; the key lives only in ``spec_json`` until revealed."""

    __tablename__ = "exams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    definition_json: Mapped[str] = mapped_column(Text)
    spec_json: Mapped[str] = mapped_column(Text)
    manifest_hash: Mapped[str] = mapped_column(String(64))
    key_commitment: Mapped[str] = mapped_column(String(64))
    key_salt: Mapped[str] = mapped_column(String(64))
    key_revealed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class Item(Base):
    """What a candidate sees of an item (text, options, image); never the key."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    code: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    image: Mapped[str | None] = mapped_column(String(64), nullable=True)
    options_json: Mapped[str] = mapped_column(Text)
    extra_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Candidate-visible extras of newer kinds (matching entries, starting file); never the key."""
    __table_args__ = (UniqueConstraint("exam_id", "code"),)


class Media(Base):
    """An imported image, addressed by its SHA-256."""

    __tablename__ = "media"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    content_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ExamSession(Base):
    """A sitting in the lab: planned → open ⇄ paused → closed."""

    __tablename__ = "exam_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    token: Mapped[str | None] = mapped_column(String(16), nullable=True)
    opened_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    paused_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    closed_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (UniqueConstraint("exam_id", "code"),)


class Candidate(Base):
    """A roster row; the PIN is stored only as a keyed hash."""

    __tablename__ = "candidates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    village: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[str | None] = mapped_column(String(10), nullable=True)
    pin_hash: Mapped[str] = mapped_column(String(64))
    device_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    last_seen_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    __table_args__ = (UniqueConstraint("exam_id", "number"),)


class Attempt(Base):
    """A candidate's one attempt; the clock is allowed − consumed − (now − running_since)."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    seed: Mapped[str] = mapped_column(String(64))
    item_order_json: Mapped[str] = mapped_column(Text, default="[]")
    allowed_ms: Mapped[int] = mapped_column(BigInteger)
    consumed_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    running_since_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deadline_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    started_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    submitted_at_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    submit_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    result_json: Mapped[str | None] = mapped_column(Text, nullable=True)
    total_milli: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    grader_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    inputs_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Answer(Base):
    """The current answer to one item: the highest sequence number wins."""

    __tablename__ = "answers"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_json: Mapped[str] = mapped_column(Text)
    flag: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at_ms: Mapped[int] = mapped_column(BigInteger)


class AnswerReceipt(Base):
    """One accepted answer request, keyed by its idempotency key so a replay changes nothing."""

    __tablename__ = "answer_receipts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    idem_key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    item_code: Mapped[str] = mapped_column(String(64))
    event_seq: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("attempt_id", "idem_key"),)


class CommitteeUser(Base):
    """A committee member; password hashed with argon2id."""

    __tablename__ = "committee_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class AuthSession(Base):
    """A login cookie; only the SHA-256 of the token is stored."""

    __tablename__ = "auth_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(Integer)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    expires_at_ms: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_auth_sessions_subject", "kind", "subject_id"),)


class Event(Base):
    """The append-only log: ``leaf`` holds the exact canonical bytes that are hashed."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at_ms: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    attempt_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)


class LogHead(Base):
    """One row whose lock serialises appends and whose ``size`` makes the sequence gap-free."""

    __tablename__ = "log_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


class LogKey(Base):
    """The log's signing identity: origin and public verifier key (the private key lives in data_dir only)."""

    __tablename__ = "log_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(200), unique=True)
    vkey: Mapped[str] = mapped_column(String(300))
    key_file: Mapped[str] = mapped_column(String(200))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class ExamManifest(Base):
    """The exact canonical manifest bytes whose SHA-256 the import logged (public exam data, no key)."""

    __tablename__ = "exam_manifests"
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"), primary_key=True)
    manifest: Mapped[bytes] = mapped_column(LargeBinary)


class Checkpoint(Base):
    """A signed checkpoint of the log at ``size`` (the note carries the log's own signature only)."""

    __tablename__ = "checkpoints"
    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    milestone: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class Cosignature(Base):
    """A witness's signature line over a stored checkpoint, with the witness's verifier key."""

    __tablename__ = "cosignatures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(ForeignKey("checkpoints.size"), index=True)
    witness: Mapped[str] = mapped_column(String(200))
    vkey: Mapped[str] = mapped_column(String(300))
    line: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("size", "vkey"),)


class Receipt(Base):
    """What a candidate gets at submit: their event range and the hash of their final answers."""

    __tablename__ = "receipts"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    exam: Mapped[str] = mapped_column(String(64))
    candidate: Mapped[str] = mapped_column(String(64))
    first_seq: Mapped[int] = mapped_column(BigInteger)
    submit_seq: Mapped[int] = mapped_column(BigInteger)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    answers_hash: Mapped[str] = mapped_column(String(64))
    answers_json: Mapped[str] = mapped_column(Text)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)


class Upload(Base):
    """A practical task's accepted file, stored by SHA-256 per attempt; an answer names it by hash."""

    __tablename__ = "uploads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    item_code: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at_ms: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (UniqueConstraint("attempt_id", "sha256"),)
