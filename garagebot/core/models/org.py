"""Garages (organizations), staff users and their skills."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, JsonType, UTCDateTime


class Organization(Base):
    """A garage. Every other row carries its ``organization_id``."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Amman")
    currency: Mapped[str] = mapped_column(String(3), default="JOD")
    languages: Mapped[str] = mapped_column(String(32), default="en,ar")
    default_locale: Mapped[str] = mapped_column(String(8), default="en")
    # SLA targets, in minutes from the session's opening.
    sla_diagnose_minutes: Mapped[int] = mapped_column(Integer, default=120)
    sla_repair_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    # Provider addresses that identify the garage on inbound messages.
    sms_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    whatsapp_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    meta_phone_number_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    settings: Mapped[dict[str, object]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class User(Base):
    """A member of staff."""

    __tablename__ = "user_account"
    __table_args__ = (
        UniqueConstraint("organization_id", "phone"),
        Index("ix_user_account_org_role", "organization_id", "role"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8), default="en")
    telegram_user_id: Mapped[int | None] = mapped_column(BigId, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether the person is on the floor now (off shift / on leave = False).
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class UserSkill(Base):
    __tablename__ = "user_skill"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
