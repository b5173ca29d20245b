"""One claimed outbox row and what became of it: rendering a message row, and
turning a transport's answer into the row's next state (sent, retried later,
put back for pacing, failed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from garagebot.core.dispatch.registry import DispatchPolicy, DrainReport, Renderer
from garagebot.core.enums import Channel, OutboxStatus
from garagebot.core.ports import OutboundMessage


@dataclass(frozen=True, slots=True)
class Claim:
    """An outbox row as the drainer that claimed it sees it."""

    id: int
    organization_id: int
    kind: str
    topic: str
    channel: str | None
    recipient: str | None
    locale: str | None
    payload: Mapping[str, object]
    attempts: int
    created_at: dt.datetime
    provider_message_id: str | None = None
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """The row's next status, the report line and the other columns to store."""

    status: OutboxStatus
    report: DrainReport
    values: Mapping[str, object] = field(default_factory=dict)


CLAIM_COLUMNS = ("id", "organization_id", "kind", "topic", "channel", "recipient", "locale",
                 "payload", "attempts", "created_at", "provider_message_id", "priority")


def render(claim: Claim, renderer: Renderer, default_locale: str) -> OutboundMessage:
    """The message of a claimed row, rendered for its locale."""
    payload = claim.payload
    locale = claim.locale or default_locale
    if claim.channel is None or claim.recipient is None:
        raise ValueError("message row without channel or recipient")
    params = cast(Mapping[str, object], payload.get("params") or {})
    text = renderer.render(locale, str(payload["key"]), params)
    raw_choices = cast(Sequence[Mapping[str, Any]], payload.get("choices") or [])
    choices = tuple(
        (str(c["id"]), renderer.render(locale, str(c["key"]), c.get("params") or {}))
        for c in raw_choices
    )
    media = tuple(str(m) for m in cast(Sequence[object], payload.get("media") or []))
    return OutboundMessage(
        outbox_id=claim.id, organization_id=claim.organization_id,
        channel=Channel(claim.channel), recipient=claim.recipient, locale=locale,
        text=text, choices=choices, media_keys=media, priority=claim.priority,
    )


def sent(provider_message_id: str, now: dt.datetime, values: Mapping[str, object]) -> Outcome:
    return Outcome(OutboxStatus.SENT, DrainReport(sent=1),
                   {**values, "provider_message_id": provider_message_id, "sent_at": now,
                    "error": None})


def failed(error: str, values: Mapping[str, object] | None = None) -> Outcome:
    return Outcome(OutboxStatus.FAILED, DrainReport(failed=1), {**(values or {}), "error": error})


def retry_or_fail(policy: DispatchPolicy, claim: Claim, now: dt.datetime, error: str,
                  retry_after: float | None, values: Mapping[str, object]) -> Outcome:
    """Back to PENDING after the policy's delay, or FAILED after the last attempt."""
    if claim.attempts >= policy.max_attempts:
        return failed(f"gave up after {claim.attempts} attempts: {error}", values)
    when = now + policy.retry_delay(claim.attempts, retry_after)
    return Outcome(OutboxStatus.PENDING, DrainReport(retried=1),
                   {**values, "error": error, "available_at": when})


def deferred(claim: Claim, now: dt.datetime, seconds: float | None) -> Outcome:
    """Back to PENDING until the pacing allows it; the attempt is given back."""
    return Outcome(OutboxStatus.PENDING, DrainReport(deferred=1), {
        "available_at": now + dt.timedelta(seconds=seconds or 1.0),
        "attempts": claim.attempts - 1})
