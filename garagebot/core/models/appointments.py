"""Bays and appointments: a car booked into a bay (and perhaps a technician)
for a time range.

No double booking: on PostgreSQL two exclusion constraints (``btree_gist``)
refuse an active appointment whose range overlaps another active one of the
same bay, or of the same technician; on SQLite the service checks inside the
write lock every transaction takes (``BEGIN IMMEDIATE``, ``core.db``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DDL, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime

# Statuses that hold the bay (and the technician); literal SQL for the constraints' WHERE.
ACTIVE_APPOINTMENT_STATUSES = ("BOOKED", "CONFIRMED")
ACTIVE_APPOINTMENT_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in ACTIVE_APPOINTMENT_STATUSES))
_RANGE = text("tstzrange(starts_at, ends_at, '[)')")


class Bay(Base):
    """A working place of the garage (a lift, a pit, an alignment bay)."""

    __tablename__ = "bay"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(100))
    name_ar: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Appointment(Base):
    """A client's car booked into a bay from ``starts_at`` to ``ends_at`` (half-open)."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_org_starts", "organization_id", "starts_at"),
        ExcludeConstraint(
            ("bay_id", "="), (_RANGE, "&&"), name="ex_appointment_bay_overlap", using="gist",
            where=text(ACTIVE_APPOINTMENT_SQL),
        ).ddl_if(dialect="postgresql"),
        ExcludeConstraint(
            ("technician_id", "="), (_RANGE, "&&"), name="ex_appointment_technician_overlap", using="gist",
            where=text(f"technician_id IS NOT NULL AND {ACTIVE_APPOINTMENT_SQL}"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    bay_id: Mapped[int] = mapped_column(ForeignKey("bay.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("request.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("repair_session.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    # The question the client was last asked about it ("offer", "reminder"), None once answered.
    awaiting: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(Text)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set in the unit of work that queued the day-before reminder: once per appointment.
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


event.listen(Appointment.__table__, "before_create",
             DDL("CREATE EXTENSION IF NOT EXISTS btree_gist").execute_if(  # type: ignore[no-untyped-call]
                 dialect="postgresql"))
