"""KPI digests: a person's own schedule, and the claim of each digest sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime


class DigestPreference(Base):
    """A person's setting for one kind of digest; it overrides the garage's
    (``Organization.settings["digests"]``). ``at_time`` "HH:MM" in the
    garage's zone, None = the garage's time."""

    __tablename__ = "digest_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    at_time: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DigestClaim(Base):
    """One digest of one kind for one period to one person, claimed before it
    is queued: the unique key is what makes it go out exactly once."""

    __tablename__ = "digest_claim"
    __table_args__ = (UniqueConstraint("user_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))  # the period's last day, ISO
    claimed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
