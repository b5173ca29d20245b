"""Service templates, job cards, steps, checklists, time logs, exceptions, media."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Amount, Base, BigId, UTCDateTime


class ServiceTemplate(Base):
    """A common job (oil service, brake pads …) as ordered or parallel steps."""

    __tablename__ = "service_template"
    __table_args__ = (UniqueConstraint("organization_id", "code"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TemplateStep(Base):
    """One step of a template. Steps sharing ``parallel_group`` may run together;
    otherwise steps run in ``position`` order."""

    __tablename__ = "template_step"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("service_template.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    parallel_group: Mapped[int | None] = mapped_column(Integer)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    required_skill: Mapped[str | None] = mapped_column(String(32))
    assembly: Mapped[bool] = mapped_column(Boolean, default=False)
    required_attachments: Mapped[int] = mapped_column(Integer, default=0)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=30)
    flat_price: Mapped[Decimal | None] = mapped_column(Amount)


class TemplateChecklistItem(Base):
    __tablename__ = "template_checklist_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    template_step_id: Mapped[int] = mapped_column(ForeignKey("template_step.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_en: Mapped[str] = mapped_column(String(200))
    text_ar: Mapped[str] = mapped_column(String(200))


class JobCard(Base):
    """One job within a session, made from a template."""

    __tablename__ = "job_card"
    # Counts by status per garage (the dashboard's jobs in progress).
    __table_args__ = (Index("ix_job_card_org_status", "organization_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("service_template.id"))
    title_en: Mapped[str] = mapped_column(String(200))
    title_ar: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    review_outcome: Mapped[str | None] = mapped_column(String(16))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Step(Base):
    __tablename__ = "step"
    __table_args__ = (
        Index("ix_step_my_jobs", "organization_id", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    job_card_id: Mapped[int] = mapped_column(ForeignKey("job_card.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    parallel_group: Mapped[int | None] = mapped_column(Integer)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    required_skill: Mapped[str | None] = mapped_column(String(32))
    assembly: Mapped[bool] = mapped_column(Boolean, default=False)
    required_attachments: Mapped[int] = mapped_column(Integer, default=0)
    estimated_minutes: Mapped[int] = mapped_column(Integer, default=30)
    flat_price: Mapped[Decimal | None] = mapped_column(Amount)
    status: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delayed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    # How many times a lead's review sent this step back for rework.
    # (A server default too, so bulk loaders that do not know the column work.)
    rework_count: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class StepChecklistItem(Base):
    __tablename__ = "step_checklist_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("step.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text_en: Mapped[str] = mapped_column(String(200))
    text_ar: Mapped[str] = mapped_column(String(200))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    done_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class TimeLog(Base):
    """Work time on a step. A row with no ``ended_at`` is a running timer; the
    partial unique index keeps it to one running timer per person."""

    __tablename__ = "time_log"
    __table_args__ = (
        Index(
            "uq_time_log_one_running",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("step.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # True for time typed in afterwards rather than measured by a timer.
    manual: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class StepNote(Base):
    """A remark on a step by a member of staff (findings, hints for the next person)."""

    __tablename__ = "step_note"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("step.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StepException(Base):
    """A failed or blocked step, waiting for a lead's decision."""

    __tablename__ = "step_exception"
    __table_args__ = (Index("ix_step_exception_queue", "organization_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    step_id: Mapped[int] = mapped_column(ForeignKey("step.id"), index=True)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media_file.id"))
    status: Mapped[str] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)
    delay_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class MediaFile(Base):
    """Metadata of a stored file; the bytes live behind the FileStorage port."""

    __tablename__ = "media_file"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(BigId, index=True)
    step_id: Mapped[int | None] = mapped_column(BigId, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo, document, voice, signature
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by_client_id: Mapped[int | None] = mapped_column(ForeignKey("client.id"))
    client_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    caption: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
