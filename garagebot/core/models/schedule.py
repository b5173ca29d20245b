"""Scheduled work: the claim of each job run, and the SLA breaches told."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime


class ScheduledRun(Base):
    """One run of a scheduled job for one garage and period. Inserting the row
    is the claim: the unique (garage, job, period) lets one worker run it."""

    __tablename__ = "scheduled_run"
    __table_args__ = (UniqueConstraint("organization_id", "job", "period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    job: Mapped[str] = mapped_column(String(64))
    period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))  # RunStatus
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


OPEN_BREACH_SQL = "escalated_at IS NULL AND resolved_at IS NULL"


class SlaBreach(Base):
    """A session past one of its targets (``stage``), told once to its advisor
    and the lead; ``since`` tells one occurrence from the next (what the stage
    counts from: the opening, the status's start, or the promised ETA).
    ``escalated_at``: when the manager was told; ``resolved_at``: when it was
    found over before it had to be escalated."""

    __tablename__ = "sla_breach"
    __table_args__ = (UniqueConstraint("organization_id", "session_id", "stage", "since"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"))
    stage: Mapped[str] = mapped_column(String(32))
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    breached_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# The breaches not yet escalated, per garage, oldest first (the escalation scan).
Index("ix_sla_breach_open", SlaBreach.organization_id, SlaBreach.breached_at,
      postgresql_where=text(OPEN_BREACH_SQL), sqlite_where=text(OPEN_BREACH_SQL))
