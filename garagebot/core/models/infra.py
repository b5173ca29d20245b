"""Cross-cutting tables: audit chain, counters, outbox, inbound events, conversations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, JsonType, UTCDateTime


class AuditChain(Base):
    """Head of a garage's audit hash chain. Updating it row-locks the chain, so
    concurrent writers of one garage append one after another."""

    __tablename__ = "audit_chain"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigId, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """Append-only record of a change. ``hash`` covers the entry and ``prev_hash``."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        UniqueConstraint("organization_id", "seq"),
        Index("ix_audit_entry_entity", "organization_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    seq: Mapped[int] = mapped_column(BigId)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    channel: Mapped[str] = mapped_column(String(16))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, object] | None] = mapped_column(JsonType)
    after: Mapped[dict[str, object] | None] = mapped_column(JsonType)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Counter(Base):
    """Gapless document counters, incremented inside the writer's transaction."""

    __tablename__ = "counter"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigId)


class OutboxRow(Base):
    """A domain event or an outbound message, written in the same commit as the
    change that caused it and drained by the dispatcher."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "priority", "available_at"),
        Index("ix_outbox_provider", "provider_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    payload: Mapped[dict[str, object]] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # 0: a reply to someone who just acted; 1: a bulk notice (reminders, digests): claimed after.
    priority: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # While PENDING: the lease of the drainer working on the row ends at available_at.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    available_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    rendered_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class InboundEvent(Base):
    """Every provider delivery, recorded before anything else happens.
    The unique key makes a redelivery a no-op."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(128))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    payload: Mapped[dict[str, object]] = mapped_column(JsonType)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Conversation(Base):
    """Dialog state of one chat, so any process can serve any chat.
    ``version`` is checked on save; a conflict retries the step."""

    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("organization_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    flow: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JsonType, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
