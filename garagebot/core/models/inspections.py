"""Vehicle inspections, their findings and the files attached to a finding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Amount, Base, BigId, JsonType, UTCDateTime


class Inspection(Base):
    """One inspection of a session's car, with the copy of the template it follows."""

    __tablename__ = "inspection"
    __table_args__ = (Index("ix_inspection_vehicle", "organization_id", "vehicle_id", "started_at"),
                      Index("ix_inspection_status", "organization_id", "status"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    status: Mapped[str] = mapped_column(String(16))
    template: Mapped[object] = mapped_column(JsonType)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"))


class InspectionFinding(Base):
    """The answer for one item: severity, the measured value and a note."""

    __tablename__ = "inspection_finding"
    __table_args__ = (UniqueConstraint("inspection_id", "item_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(64))
    item_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(16))
    value: Mapped[Decimal | None] = mapped_column(Amount)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class InspectionMedia(Base):
    """A photo or video of a finding (the file is a MediaFile of the session)."""

    __tablename__ = "inspection_media"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media_file.id"))


class InspectionLine(Base):
    """A quote line proposing the work of a finding, shown on ``inspection_id``'s
    report: the finding's own inspection, or a later one of the same car that
    offers a declined critical finding again."""

    __tablename__ = "inspection_line"
    __table_args__ = (UniqueConstraint("inspection_id", "quote_line_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspection.id"), index=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id"), index=True)
    # A line the advisor removes from the draft takes its link with it.
    quote_line_id: Mapped[int] = mapped_column(ForeignKey("quote_line.id", ondelete="CASCADE"), index=True)
