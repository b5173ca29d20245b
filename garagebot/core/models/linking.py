"""One-time codes that link a chat account (Telegram) to a member of staff."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime


class LinkCode(Base):
    """A link code, stored as its SHA-256 only. ``used_at`` is set once, by
    the conditional UPDATE that redeems it, so a code links one account."""

    __tablename__ = "link_code"
    __table_args__ = (Index("ix_link_code_user", "organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigId)
