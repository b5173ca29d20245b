"""The digest services: a person's own settings, the garage's defaults, and
a digest on request.

Each setting change is one unit of work with its audit entry. A digest on
request is not claimed (it may be asked for again); it needs the
RECEIVE_DIGEST permission, re-checked against the user row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.digests.compose import chart_key, chart_png, digest_params, message_key
from garagebot.core.digests.figures import Digest, build_digest
from garagebot.core.digests.schedule import (
    SETTINGS_KEY,
    WEEKDAYS,
    DigestKind,
    Schedule,
    checked_time,
    garage_schedule,
    period_ending,
    personal,
)
from garagebot.core.digests.send import translator
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import OrgId
from garagebot.core.models import DigestPreference
from garagebot.core.notify.staff import localized
from garagebot.core.permissions import Permission
from garagebot.core.ports import FileStorage
from garagebot.core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class OnRequest:
    """A digest asked for in chat: the message and its chart's storage key."""

    key: str
    params: dict[str, object]
    chart: str | None


async def my_schedules(uow: UnitOfWork) -> list[Schedule]:
    """The acting person's schedule of each kind (their own setting over the garage's)."""
    user = await uow.require(Permission.RECEIVE_DIGEST)
    org = await uow.organization()
    prefs = {} if user is None else {p.kind: p for p in (await uow.session.scalars(
        select(DigestPreference).where(DigestPreference.user_id == user.id))).all()}
    out = []
    for kind in DigestKind:
        own = prefs.get(kind.value)
        out.append(personal(garage_schedule(org.settings, kind), None if own is None else own.enabled,
                            None if own is None else own.at_time))
    return out


async def set_my_digest(uow: UnitOfWork, kind: DigestKind, *, enabled: bool | None = None,
                        at_time: str | None = None) -> Schedule:
    """Turn the acting person's ``kind`` digest on or off, or set its time
    ("19:30", Arabic-Indic digits accepted); audited. The new schedule."""
    user = await uow.require(Permission.RECEIVE_DIGEST)
    if user is None:
        raise InvalidInput("error.staff_only")
    current = {s.kind: s for s in await my_schedules(uow)}[kind]
    row = await uow.session.get(DigestPreference, (user.id, kind.value))
    before = None if row is None else {"enabled": row.enabled, "time": row.at_time}
    new_time = checked_time(at_time) if at_time is not None else (None if row is None else row.at_time)
    new_enabled = current.enabled if enabled is None else enabled
    if row is None:
        row = DigestPreference(user_id=user.id, kind=kind.value, organization_id=uow.org_id,
                               enabled=new_enabled, at_time=new_time, updated_at=uow.now)
        uow.session.add(row)
    else:
        row.enabled, row.at_time, row.updated_at = new_enabled, new_time, uow.now
    await uow.audit("digest_preference", f"{user.id}:{kind.value}", "set", before=before,
                    after={"enabled": new_enabled, "time": new_time})
    return personal(current, new_enabled, new_time)


async def set_garage_digests(uow: UnitOfWork, kind: DigestKind, *, enabled: bool, at_time: str,
                             day: str | None = None) -> None:
    """The garage's default for ``kind`` (owner); audited. ``day`` (weekly) is
    an English weekday name."""
    await uow.require(Permission.MANAGE_GARAGE)
    if day is not None and day.lower() not in WEEKDAYS:
        raise InvalidInput("digests.error_day")
    org = await uow.organization()
    settings = dict(org.settings or {})
    section = dict(settings.get(SETTINGS_KEY) or {})  # type: ignore[call-overload]
    before = section.get(kind.value)
    entry: dict[str, object] = {"enabled": enabled, "time": checked_time(at_time)}
    if kind is DigestKind.WEEKLY:
        entry["day"] = (day or WEEKDAYS[garage_schedule(org.settings, kind).weekday]).lower()
    section[kind.value] = entry
    settings[SETTINGS_KEY] = section
    org.settings = settings  # a new dict: the JSON column is written
    await uow.audit("organization", org.id, "digest_defaults", before={kind.value: before},
                    after={kind.value: entry})


async def digest_now(uow: UnitOfWork, kind: DigestKind, storage: FileStorage | None) -> OnRequest:
    """The ``kind`` digest up to today, for the acting person (owner or
    manager), with its chart stored when there is storage."""
    user = await uow.require(Permission.RECEIVE_DIGEST)
    locale = user.locale if user is not None else "en"
    org = await uow.organization()
    period = period_ending(kind, org_today(uow, org.timezone))
    digest: Digest = await build_digest(uow.session, OrgId(uow.org_id), period, uow.now)
    chart = None
    if storage is not None:
        png = await asyncio.to_thread(chart_png, digest, locale, translator())
        chart = chart_key(digest, locale, uow.now)
        await storage.put(chart, png, "image/png")
    params = digest_params(digest, locale, localized(locale, org.name_en, org.name_ar))
    return OnRequest(message_key(kind), params, chart)


def org_today(uow: UnitOfWork, zone: str) -> dt.date:
    return uow.now.astimezone(zoneinfo.ZoneInfo(zone)).date()
