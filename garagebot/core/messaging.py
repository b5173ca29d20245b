"""Facts client messaging needs besides the conversation: the WhatsApp
customer-service window, the garage's approved templates, and short links.

- Window: WhatsApp lets a business send free-form messages (text, buttons,
  lists) only within 24 hours of the client's last message; afterwards only
  templates the provider approved. ``touch_contact`` records each inbound
  message's time; ``in_window`` answers for a send.
- Templates: ``Organization.settings["whatsapp_templates"]`` maps a message
  key to the provider's template per language and the order of its
  parameters ({{1}}, {{2}} …). The key ``"*"`` is the garage's generic
  "you have a message, reply to see it" template, used for keys without one.
- Short links: PUBLIC_URL/s/<code> for long links in SMS texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core import pgraw
from garagebot.core.errors import InvalidInput
from garagebot.core.models import ChannelContact, ShortLink
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

WINDOW = dt.timedelta(hours=24)
TEMPLATES_SETTING = "whatsapp_templates"
GENERIC_TEMPLATE = "*"
SHORT_PATH = "/s/"


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert


async def touch_contact(session: AsyncSession, org_id: int, channel: str, address: str,
                        at: dt.datetime) -> None:
    """Record that ``address`` wrote on ``channel`` at ``at`` (later times win).
    Every inbound client message does this: raw on PostgreSQL (``core.pgraw``)."""
    raw = await pgraw.driver(session)
    if raw is not None:
        await touch_contacts(raw, [(org_id, channel, address, at)])
        return
    insert = _insert(session)
    stmt = insert(ChannelContact).values(
        organization_id=org_id, channel=channel, address=address, last_inbound_at=at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["organization_id", "channel", "address"],
        set_={"last_inbound_at": stmt.excluded.last_inbound_at},
        where=ChannelContact.last_inbound_at < stmt.excluded.last_inbound_at,
    )
    await session.execute(stmt)


_PG_TOUCH_MANY = (
    "INSERT INTO channel_contact (organization_id, channel, address, last_inbound_at) "
    "SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[]) "
    "ON CONFLICT (organization_id, channel, address) DO UPDATE "
    "SET last_inbound_at = excluded.last_inbound_at "
    "WHERE channel_contact.last_inbound_at < excluded.last_inbound_at")


async def touch_contacts(raw: Any, touches: Sequence[tuple[int, str, str, dt.datetime]]) -> None:
    """``touch_contact`` for a group of distinct (garage, channel, address), in one
    statement on PostgreSQL (``raw``: the asyncpg connection, ``core.pgraw.driver``)."""
    await raw.execute(_PG_TOUCH_MANY, [t[0] for t in touches], [t[1] for t in touches],
                      [t[2] for t in touches], [t[3] for t in touches])


async def last_inbound(session: AsyncSession, org_id: int, channel: str, address: str) -> dt.datetime | None:
    return cast(dt.datetime | None, await session.scalar(select(ChannelContact.last_inbound_at).where(
        ChannelContact.organization_id == org_id, ChannelContact.channel == channel,
        ChannelContact.address == address,
    )))


def in_window(last: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a free-form WhatsApp message may be sent now."""
    return last is not None and now - last < WINDOW


@dataclass(frozen=True, slots=True)
class WhatsAppTemplate:
    """An approved template: the provider's id (Meta template name or Twilio
    Content SID), its language code, and our parameter names in {{n}} order."""

    key: str
    name: str
    language: str
    params: tuple[str, ...]


def template_for(settings: Mapping[str, object], key: str, locale: str) -> WhatsAppTemplate | None:
    """The template for ``key`` in ``locale`` (else English), falling back to
    the garage's generic template; None when the garage has neither."""
    registry = settings.get(TEMPLATES_SETTING)
    if not isinstance(registry, Mapping):
        return None
    for wanted in (key, GENERIC_TEMPLATE):
        entry = registry.get(wanted)
        if not isinstance(entry, Mapping):
            continue
        languages = entry.get("languages")
        if not isinstance(languages, Mapping):
            continue
        for lang in (locale, "en"):
            ref = languages.get(lang)
            if isinstance(ref, Mapping) and isinstance(ref.get("name"), str):
                params = entry.get("params") or []
                return WhatsAppTemplate(wanted, str(ref["name"]), str(ref.get("language") or lang),
                                        tuple(str(p) for p in cast(Sequence[object], params)))
    return None


async def set_whatsapp_template(
    uow: UnitOfWork, key: str, locale: str, *, name: str, language: str, params: Sequence[str] = ()
) -> None:
    """Register the provider's approved template for message ``key`` in
    ``locale`` (``key`` "*" is the generic one). Audited."""
    await uow.require(Permission.MANAGE_GARAGE)
    key, name, language = clean_text(key), clean_text(name), clean_text(language)
    if not key or not name or not language or locale not in ("en", "ar"):
        raise InvalidInput("error.whatsapp_template_invalid", message=key)
    org = await uow.organization()
    settings = dict(org.settings or {})
    registry = dict(cast(Mapping[str, object], settings.get(TEMPLATES_SETTING) or {}))
    entry = dict(cast(Mapping[str, object], registry.get(key) or {}))
    languages = dict(cast(Mapping[str, object], entry.get("languages") or {}))
    before = languages.get(locale)
    languages[locale] = {"name": name, "language": language}
    entry.update(languages=languages, params=[clean_text(p) for p in params])
    registry[key] = entry
    settings[TEMPLATES_SETTING] = registry
    org.settings = settings  # a new dict, so the JSON column is written
    await uow.audit("organization", org.id, "whatsapp_template", before={"key": key, "template": before},
                    after={"key": key, "locale": locale, "name": name, "language": language,
                           "params": list(params)})


# 96 random bits, 16 URL-safe characters (the column's width); older codes were 8.
SHORT_CODE_BYTES = 12
_SHORT_CODE = re.compile(r"[A-Za-z0-9_-]{1,16}")


async def shorten(session: AsyncSession, org_id: int, target: str, now: dt.datetime) -> str:
    """The code of ``target``'s short link (made on first use)."""
    digest = hashlib.sha256(target.encode()).hexdigest()
    where = (ShortLink.organization_id == org_id, ShortLink.target_sha256 == digest)
    for _ in range(5):
        found = await session.scalar(select(ShortLink.code).where(*where))
        if found is not None:
            return str(found)
        await session.execute(
            _insert(session)(ShortLink)
            .values(organization_id=org_id, code=secrets.token_urlsafe(SHORT_CODE_BYTES), target=target,
                    target_sha256=digest, created_at=now)
            .on_conflict_do_nothing()
        )
    raise RuntimeError("could not allocate a short link code")


async def resolve_short_link(session: AsyncSession, code: str, *,
                             made_after: dt.datetime | None = None) -> str | None:
    """Where a short code points, or None (also for a code made before ``made_after``)."""
    if not _SHORT_CODE.fullmatch(code):
        return None
    stmt = select(ShortLink.target).where(ShortLink.code == code)
    if made_after is not None:
        stmt = stmt.where(ShortLink.created_at > made_after)
    return cast(str | None, await session.scalar(stmt))
