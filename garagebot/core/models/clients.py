"""Clients (car owners) and their vehicles."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime


class Client(Base):
    __tablename__ = "client"
    __table_args__ = (
        UniqueConstraint("organization_id", "phone"),
        # Search by any part of the name or number (trigram indexes on PostgreSQL).
        Index("ix_client_name_search", "name", postgresql_using="gin",
              postgresql_ops={"name": "gin_trgm_ops"}),
        Index("ix_client_phone_search", "phone", postgresql_using="gin",
              postgresql_ops={"phone": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32))  # E.164
    locale: Mapped[str] = mapped_column(String(8), default="ar")
    messaging_consent: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Vehicle(Base):
    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("organization_id", "plate"),
        Index("ix_vehicle_plate_search", "plate", postgresql_using="gin",
              postgresql_ops={"plate": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"), index=True)
    plate: Mapped[str] = mapped_column(String(32))  # normalised, see core.normalize
    vin: Mapped[str | None] = mapped_column(String(17))
    make: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))
    year: Mapped[int | None] = mapped_column(Integer)
    colour: Mapped[str | None] = mapped_column(String(32))
    mileage_km: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
