"""Signed approvals of quote versions (from the client's approval page) and
the log of client notices that must go out once only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, JsonType, UTCDateTime


class QuoteApproval(Base):
    """A client's signed decision on one quote version, as made on its link.

    One per quote version (the link is single use): the unique ``quote_id``
    refuses a second signature even when two submissions race. ``content_hash``
    is the SHA-256 of the version the client was shown (``Quote.content_hash``),
    so the signature stays bound to exactly what was approved."""

    __tablename__ = "quote_approval"
    __table_args__ = (UniqueConstraint("organization_id", "link_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("client.id"))
    quote_version: Mapped[int] = mapped_column()
    content_hash: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(200))
    signature_media_id: Mapped[int] = mapped_column(ForeignKey("media_file.id"))
    ip: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(Text)
    # SHA-256 of the link's token: the idempotency key of the decision.
    link_key: Mapped[str] = mapped_column(String(64))
    decisions: Mapped[dict[str, object]] = mapped_column(JsonType)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ClientNotice(Base):
    """A client notification that must be sent once only (an approval
    reminder, "all parts arrived"): inserting the row is the claim to send."""

    __tablename__ = "client_notice"
    __table_args__ = (UniqueConstraint("organization_id", "rule", "marker"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    session_id: Mapped[int] = mapped_column(ForeignKey("repair_session.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    marker: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
