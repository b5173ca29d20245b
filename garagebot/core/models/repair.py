"""Intake requests, repair sessions, their status history and QC checklist."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime

# A session is active (its car is on site) until it is DELIVERED or CANCELLED.
# Written as literal SQL so the partial index below and the board query that
# relies on it use the very same predicate (PostgreSQL proves the match).
# (SQLite matches the predicate only when written identically, value order included.)
FINAL_SESSION_STATUSES = ("DELIVERED", "CANCELLED")
ACTIVE_SESSION_SQL = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in FINAL_SESSION_STATUSES))


class Request(Base):
    """An intake: a client's car and complaint, before (or without) a session."""

    __tablename__ = "request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"), index=True)
    complaint: Mapped[str] = mapped_column(Text)
    preferred_time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When an advisor confirmed ``preferred_time`` to the client (None: not yet).
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # Why an OPEN request was closed without a session (no-show, went elsewhere …).
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RepairSession(Base):
    """One visit of one vehicle: from check-in to delivery."""

    __tablename__ = "repair_session"
    __table_args__ = (
        UniqueConstraint("organization_id", "number"),
        Index("ix_repair_session_board", "organization_id", "status", "opened_at"),
        Index("ix_repair_session_vehicle_status", "vehicle_id", "status"),
        # The console's session list: a garage's sessions newest first, a page at a time.
        Index("ix_repair_session_opened", "organization_id", "opened_at", "id"),
        # Search by any part of the number (a trigram index on PostgreSQL).
        Index("ix_repair_session_number_search", "number", postgresql_using="gin",
              postgresql_ops={"number": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    number: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"))
    advisor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(32))
    # The status to return to when an ON_HOLD session resumes.
    held_from: Mapped[str | None] = mapped_column(String(32))
    complaint: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    mileage_in_km: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    diagnosed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    eta: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivery_pin: Mapped[str] = mapped_column(String(8))
    # Wrong PINs entered so far; after a few, delivery needs a signature.
    delivery_pin_failures: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    delivery_signature_media_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id"))
    # Set when an advisor confirmed a second active session for the same vehicle.
    second_active_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    close_reason: Mapped[str | None] = mapped_column(Text)


# The active board: a garage's active sessions by priority, oldest first.
Index(
    "ix_repair_session_active_board",
    RepairSession.organization_id,
    RepairSession.priority.desc(),
    RepairSession.opened_at,
    RepairSession.id,
    postgresql_where=text(ACTIVE_SESSION_SQL),
    sqlite_where=text(ACTIVE_SESSION_SQL),
)
# The console's board by columns: each status's active sessions in board order.
Index(
    "ix_repair_session_active_columns",
    RepairSession.organization_id,
    RepairSession.status,
    RepairSession.priority.desc(),
    RepairSession.opened_at,
    RepairSession.id,
    postgresql_where=text(ACTIVE_SESSION_SQL),
    sqlite_where=text(ACTIVE_SESSION_SQL),
)
# Overdue lists (dashboard, alerts): a garage's active sessions by ETA.
Index(
    "ix_repair_session_active_eta",
    RepairSession.organization_id,
    RepairSession.eta,
    RepairSession.id,
    postgresql_where=text(ACTIVE_SESSION_SQL),
    sqlite_where=text(ACTIVE_SESSION_SQL),
)


class SessionStatusChange(Base):
    """The session's status history (the client's timeline reads it)."""

    __tablename__ = "session_status_change"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigId)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SessionQcItem(Base):
    """Quality-control checklist of a session; all done before READY_FOR_PICKUP."""

    __tablename__ = "session_qc_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_en: Mapped[str] = mapped_column(String(200))
    text_ar: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
