"""Sending digests: who is due, each claimed once, queued with the chart.

``run_due_digests`` is what the scheduler calls every few minutes per garage.
For each owner and manager reachable on Telegram and each kind of digest, the
latest due moment of their schedule (``schedule.latest_due``) is found; one
more than ``CATCH_UP`` late is skipped and logged. Each due digest is claimed
by inserting its ``DigestClaim`` row (unique person, kind, period) with ON
CONFLICT DO NOTHING in the same unit of work that queues the message: two
workers, a restart or a clock jump queue it once. The figures are built once
per period and the chart drawn once per language (in a worker thread), then
stored through the FileStorage port and attached to each message. Inside the
garage's staff quiet hours the message waits in the outbox until they end.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.actor import Actor
from garagebot.core.digests.compose import (
    chart_key,
    chart_png,
    digest_params,
    drill_choices,
    message_key,
)
from garagebot.core.digests.figures import Digest, build_digest
from garagebot.core.digests.schedule import (
    DigestKind,
    DigestPeriod,
    garage_schedule,
    latest_due,
    period_ending,
    personal,
)
from garagebot.core.enums import Channel, Role
from garagebot.core.i18n import Translator
from garagebot.core.ids import OrgId
from garagebot.core.models import DigestClaim, DigestPreference, Organization, User
from garagebot.core.notify.staff import localized, quiet_until
from garagebot.core.permissions import ROLES_FOR, Permission
from garagebot.core.ports import FileStorage
from garagebot.core.uow import Database, UnitOfWork

log = logging.getLogger(__name__)
_TRANSLATOR: list[Translator] = []


def translator() -> Translator:
    """The catalogs, loaded on first use (charts need their labels as text)."""
    if not _TRANSLATOR:
        _TRANSLATOR.append(Translator.load())
    return _TRANSLATOR[0]


@dataclass(frozen=True, slots=True)
class Reader:
    """An owner or manager reachable on Telegram."""

    user_id: int
    chat: str
    locale: str


@dataclass(frozen=True, slots=True)
class DueDigest:
    reader: Reader
    period: DigestPeriod


async def readers(session: AsyncSession, org_id: OrgId) -> list[Reader]:
    """Who receives digests: active owners and managers with a linked Telegram."""
    roles = [r.value for r in ROLES_FOR[Permission.RECEIVE_DIGEST]]
    rows = (await session.execute(select(User.id, User.telegram_user_id, User.locale).where(
        User.organization_id == org_id, User.active.is_(True), User.telegram_user_id.is_not(None),
        User.role.in_(roles)).order_by(User.id))).tuples().all()
    return [Reader(uid, str(tg), locale) for uid, tg, locale in rows]


async def _preferences(session: AsyncSession,
                       org_id: OrgId) -> dict[tuple[int, str], tuple[bool, str | None]]:
    rows = (await session.execute(select(
        DigestPreference.user_id, DigestPreference.kind, DigestPreference.enabled,
        DigestPreference.at_time).where(DigestPreference.organization_id == org_id))).tuples().all()
    return {(uid, kind): (enabled, at) for uid, kind, enabled, at in rows}


async def _claimed(session: AsyncSession, org_id: OrgId, keys: set[str]) -> set[tuple[int, str, str]]:
    if not keys:
        return set()
    rows = (await session.execute(select(DigestClaim.user_id, DigestClaim.kind, DigestClaim.period).where(
        DigestClaim.organization_id == org_id, DigestClaim.period.in_(sorted(keys))))).tuples().all()
    return set(rows)


async def due_digests(session: AsyncSession, org: Organization, now: dt.datetime) -> list[DueDigest]:
    """The digests due at ``now`` and not yet claimed (late ones are logged and left)."""
    prefs = await _preferences(session, OrgId(org.id))
    found: list[DueDigest] = []
    for reader in await readers(session, OrgId(org.id)):
        for kind in DigestKind:
            enabled, at = prefs.get((reader.user_id, kind.value), (None, None))
            due = latest_due(personal(garage_schedule(org.settings, kind), enabled, at), now, org.timezone)
            if due is None:
                continue
            if due.late:
                log.info("digest %s for %s (user %s) due %s is past the catch-up window; skipped",
                         kind.value, due.period.key, reader.user_id, due.at.isoformat())
                continue
            found.append(DueDigest(reader, due.period))
    done = await _claimed(session, OrgId(org.id), {d.period.key for d in found})
    return [d for d in found if (d.reader.user_id, d.period.kind.value, d.period.key) not in done]


async def store_charts(digests: Mapping[DigestPeriod, Digest], wanted: Iterable[tuple[DigestPeriod, str]],
                       storage: FileStorage, now: dt.datetime) -> dict[tuple[DigestPeriod, str], str]:
    """Draw each (period, language) chart once in a worker thread and store it; the keys."""
    keys: dict[tuple[DigestPeriod, str], str] = {}
    for period, locale in sorted(set(wanted), key=lambda w: (w[0].kind, w[0].end, w[1])):
        digest = digests[period]
        png = await asyncio.to_thread(chart_png, digest, locale, translator())
        key = chart_key(digest, locale, now)
        await storage.put(key, png, "image/png")
        keys[(period, locale)] = key
    return keys


async def claim(session: AsyncSession, org_id: int, user_id: int, period: DigestPeriod,
                now: dt.datetime) -> bool:
    """Insert the digest's claim row; False when it was claimed before."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(DigestClaim).values(
        organization_id=org_id, user_id=user_id, kind=period.kind.value, period=period.key, claimed_at=now,
    ).on_conflict_do_nothing(index_elements=["user_id", "kind", "period"]).returning(DigestClaim.id)
    return (await session.execute(stmt)).first() is not None


def queue_digest(uow: UnitOfWork, org: Organization, reader: Reader, digest: Digest,
                 chart: str | None, held: dt.datetime | None) -> None:
    """Queue one digest message to ``reader`` (held until ``held`` when set)."""
    params = digest_params(digest, reader.locale, localized(reader.locale, org.name_en, org.name_ar))
    row = uow.send(Channel.TELEGRAM, reader.chat, reader.locale, message_key(digest.period.kind), params,
                   drill_choices(), (chart,) if chart else ())
    if held is not None:
        row.available_at = held


async def queue_claimed(uow: UnitOfWork, due: Sequence[DueDigest], digests: Mapping[DigestPeriod, Digest],
                        charts: Mapping[tuple[DigestPeriod, str], str]) -> int:
    """Claim and queue each due digest; how many were queued (not claimed before)."""
    org = await uow.organization()
    held = quiet_until(org.settings, org.timezone, uow.now)
    sent: dict[str, list[int]] = defaultdict(list)
    for d in due:
        if not await claim(uow.session, org.id, d.reader.user_id, d.period, uow.now):
            continue
        queue_digest(uow, org, d.reader, digests[d.period], charts.get((d.period, d.reader.locale)), held)
        sent[f"{d.period.kind.value}:{d.period.key}"].append(d.reader.user_id)
    for name, people in sorted(sent.items()):
        await uow.audit("digest", org.id, "queued", after={"digest": name, "to": people})
    return sum(len(p) for p in sent.values())


async def run_due_digests(db: Database, org_id: OrgId, now: dt.datetime, *,
                          storage: FileStorage | None = None) -> int:
    """Queue every digest of the garage due at ``now``, each once; how many.
    Without ``storage`` the digests go without their chart (logged)."""
    async with db.read() as session:
        org = await session.get(Organization, org_id)
        if org is None:
            return 0
        due = await due_digests(session, org, now)
        digests = {p: await build_digest(session, org_id, p, now) for p in {d.period for d in due}}
    if not due:
        return 0
    charts: dict[tuple[DigestPeriod, str], str] = {}
    if storage is None:
        log.warning("digests of garage %s queued without charts: no file storage", org_id)
    else:
        charts = await store_charts(digests, [(d.period, d.reader.locale) for d in due], storage, now)
    async with db.unit_of_work(Actor.system(org_id)) as uow:
        return await queue_claimed(uow, due, digests, charts)


def is_reader(role: Role) -> bool:
    return role in ROLES_FOR[Permission.RECEIVE_DIGEST]


async def send_now(db: Database, org_id: OrgId, now: dt.datetime, kind: DigestKind, *,
                   storage: FileStorage | None = None) -> int:
    """Queue the ``kind`` digest of the period ending today to every reader
    who has it on, whatever its time (each still once per period); how many."""
    async with db.read() as session:
        org = await session.get(Organization, org_id)
        if org is None:
            return 0
        prefs = await _preferences(session, org_id)
        period = period_ending(kind, now.astimezone(zoneinfo.ZoneInfo(org.timezone)).date())
        due = []
        for reader in await readers(session, org_id):
            enabled, at = prefs.get((reader.user_id, kind.value), (None, None))
            if personal(garage_schedule(org.settings, kind), enabled, at).enabled:
                due.append(DueDigest(reader, period))
        done = await _claimed(session, org_id, {period.key})
        due = [d for d in due if (d.reader.user_id, kind.value, period.key) not in done]
        digest = await build_digest(session, org_id, period, now) if due else None
    if digest is None:
        return 0
    charts = {} if storage is None else await store_charts(
        {period: digest}, [(period, d.reader.locale) for d in due], storage, now)
    async with db.unit_of_work(Actor.system(org_id)) as uow:
        return await queue_claimed(uow, due, {period: digest}, charts)
