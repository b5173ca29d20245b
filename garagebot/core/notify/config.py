"""What the client notification rules need from the process configuration."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NotifyConfig:
    """PUBLIC_URL and SECRET_KEY (for the signed links in messages), how long
    an approval link lives, and after how many hours an undecided quote is
    recalled to the client (0: never)."""

    public_url: str
    secret: str
    approval_link_hours: int = 72
    approval_reminder_hours: int = 24
