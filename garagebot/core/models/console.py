"""The staff web console's sign-in records: credentials, one-time links
(invites and Telegram sign-in links), server-side sessions and sign-in attempts.

Secrets are never stored: passwords as argon2id hashes, link tokens and
session tokens as their SHA-256.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from garagebot.core.db import Base, BigId, UTCDateTime


class ConsoleCredential(Base):
    """A staff member's console sign-in: a login name (unique across garages),
    the password's argon2id hash (None until set), and the lockout counter."""

    __tablename__ = "console_credential"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConsoleToken(Base):
    """A one-time link: an invite to set a password, or a sign-in link sent to
    the member's Telegram chat. ``used_at`` is set once, by a conditional UPDATE."""

    __tablename__ = "console_token"
    __table_args__ = (Index("ix_console_token_user", "organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ConsoleSession(Base):
    """A signed-in browser. The cookie holds the token; the row holds its hash,
    the device it came from and when it was last used (idle timeout)."""

    __tablename__ = "console_session"
    __table_args__ = (Index("ix_console_session_user", "organization_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(String(32))


class SignInAttempt(Base):
    """One password sign-in attempt, for the per-address limit (any garage's
    login, or none: an unknown login is counted too)."""

    __tablename__ = "console_signin_attempt"
    __table_args__ = (Index("ix_console_signin_attempt_ip_at", "ip", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ip: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConsoleLink(Base):
    """An owner's accounts in two garages, linked by the owner (signed in to
    one, proving the other's password), so the console can switch between
    them. Stored both ways: one row per direction."""

    __tablename__ = "console_link"
    __table_args__ = (UniqueConstraint("user_id", "other_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    other_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
