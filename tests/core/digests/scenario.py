"""Six weeks of a small garage for the digest tests, driven through the real
services, in a zone of the test's choosing (times below are local).

The week of the weekly digest is Sun 25 Oct – Sat 31 Oct 2026: in
Europe/Berlin the clocks go back on Sun 25 Oct (03:00 CEST → 02:00 CET), and
Sat 31 Oct is a month end. Asia/Amman has no DST.

E  Mon 28 Sep: checked in 10:00; invoiced 12:00 (unpaid, 33 days old on 31 Oct).
A  Thu 22 Oct: checked in 09:00, ETA 17:00; completed 12:00 (on time);
   invoiced 12:00; delivered 13:00; rated 5 at 14:00.
B  Sun 25 Oct: checked in 10:00, ETA 12:00; its oil (the only one in stock)
   consumed; completed 14:00 (late); invoiced 14:00; delivered Fri 30 Oct
   09:00; rated 2 at 10:00.
F  Fri 30 Oct: checked in 11:00, no ETA; completed Sat 31 Oct 09:30;
   invoiced 10:00; delivered 10:30; rated 4 at 11:00.
C  Sat 31 Oct: checked in 08:00, ETA 10:00, still open: overdue.
D  Sat 31 Oct: checked in 09:00, its quote sent at 09:30: awaiting approval.
A booking request from a client at 12:00 on Sat 31 Oct.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from garagebot.core.actor import Actor
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import create_quote
from garagebot.core.enums import Channel, Role
from garagebot.core.feedback import rate_visit
from garagebot.core.ids import InvoiceId, OrgId, SessionId, StepId, UserId
from garagebot.core.repair.intake import create_request
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.chat import linked_user
from tests.core.reports.scenario import Driver
from tests.fakes import FakeClock


@dataclass(frozen=True)
class Scene:
    org: OrgId
    zone: str
    staff: Staff
    a: SessionId
    b: SessionId
    c: SessionId
    d: SessionId
    e: SessionId
    f: SessionId
    invoices: dict[str, InvoiceId]

    def local(self, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
        return at(self.zone, month, day, hour, minute)


def at(zone: str, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    """Local time in ``zone`` in 2026, as UTC."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


async def _rate(db: Database, staff: Staff, sid: SessionId, score: int) -> None:
    async with db.unit_of_work(staff.advisor) as uow:
        await rate_visit(uow, sid, score)


async def _finished(g: Driver, sid: SessionId, step: StepId, done: dt.datetime,
                    billed: dt.datetime) -> InvoiceId:
    """Work the step for the half hour before ``done``, approve it, complete, invoice."""
    await g.work(g.staff.tech, step, done - dt.timedelta(minutes=30), done - dt.timedelta(minutes=10))
    await g.review(step, approve=True)
    g.at(done)
    await g.complete(sid)
    g.at(billed)
    return await g.invoice(sid)


async def build_scene(db: Database, clock: FakeClock, zone: str) -> Scene:
    org = await new_garage(db, timezone=zone)
    staff = await make_staff(db, org)
    g = Driver(db, staff, clock)

    def t(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
        return at(zone, month, day, hour, minute)

    g.at(t(9, 27, 10))
    oil = await g.item("OIL", "Engine oil", "9.000", 0, (1, "5.000"))
    g.at(t(9, 28, 10))
    e = await g.open(5, "Eyad", eta=None)
    step_e = await g.job(e, "Check", 30)
    await g.approve_quote(e)
    inv_e = await _finished(g, e, step_e, t(9, 28, 12), t(9, 28, 12))

    g.at(t(10, 22, 9))
    a = await g.open(1, "Amal", eta=t(10, 22, 17))
    step_a = await g.job(a, "Service", 60)
    await g.approve_quote(a)
    inv_a = await _finished(g, a, step_a, t(10, 22, 12), t(10, 22, 12))
    g.at(t(10, 22, 13))
    await g.deliver(a)
    g.at(t(10, 22, 14))
    await _rate(db, staff, a, 5)

    g.at(t(10, 25, 10))
    b = await g.open(2, "Basil", eta=t(10, 25, 12))
    step_b = await g.job(b, "Oil change", 30)
    oil_for_b = await g.reserve(b, oil, 1)
    await g.approve_quote(b)
    await g.use(oil_for_b)
    inv_b = await _finished(g, b, step_b, t(10, 25, 14), t(10, 25, 14))
    g.at(t(10, 30, 9))
    await g.deliver(b)
    g.at(t(10, 30, 10))
    await _rate(db, staff, b, 2)

    g.at(t(10, 30, 11))
    f = await g.open(6, "Fadi", eta=None)
    step_f = await g.job(f, "Brakes", 90)
    await g.approve_quote(f)
    inv_f = await _finished(g, f, step_f, t(10, 31, 9, 30), t(10, 31, 10))
    g.at(t(10, 31, 10, 30))
    await g.deliver(f)
    g.at(t(10, 31, 11))
    await _rate(db, staff, f, 4)

    g.at(t(10, 31, 8))
    c = await g.open(3, "Carla", eta=t(10, 31, 10))
    g.at(t(10, 31, 9))
    d = await g.open(4, "Dana", eta=None)
    await g.job(d, "Diagnosis", 60)
    g.at(t(10, 31, 9, 30))
    async with db.unit_of_work(staff.advisor) as uow:
        await send_quote(uow, await create_quote(uow, d))
    g.at(t(10, 31, 12))
    async with db.unit_of_work(Actor.system(org, Channel.WHATSAPP)) as uow:
        await create_request(uow, phone="0790000099", plate="99-12345", complaint="Noise", client_name="Rami")
    return Scene(org, zone, staff, a, b, c, d, e, f, {"a": inv_a, "b": inv_b, "e": inv_e, "f": inv_f})


async def readers(db: Database, org: OrgId) -> dict[str, tuple[UserId, int]]:
    """A manager reading English and an owner reading Arabic, both on Telegram:
    name → (user id, Telegram id)."""
    return {
        "manager_en": await linked_user(db, org, role=Role.MANAGER, locale="en", name="Maya"),
        "owner_ar": await linked_user(db, org, role=Role.OWNER, locale="ar", name="Omar"),
    }
