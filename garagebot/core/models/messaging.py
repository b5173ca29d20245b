"""Client messaging: the WhatsApp/SMS contact window, short links, ratings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime


class ChannelContact(Base):
    """When a client last wrote to the garage on a channel. WhatsApp allows
    free-form business messages only within 24 hours of that; afterwards only
    approved templates."""

    __tablename__ = "channel_contact"
    __table_args__ = (UniqueConstraint("organization_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))  # E.164
    last_inbound_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ShortLink(Base):
    """PUBLIC_URL/s/<code> → a long link, so SMS texts stay within few segments.
    One code per (garage, target): shortening the same link again reuses it."""

    __tablename__ = "short_link"
    __table_args__ = (UniqueConstraint("organization_id", "target_sha256"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    target: Mapped[str] = mapped_column(Text)
    target_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ClientRating(Base):
    """A client's 1–5 rating of a delivered repair, and an optional comment."""

    __tablename__ = "client_rating"
    __table_args__ = (UniqueConstraint("organization_id", "session_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    commented_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
