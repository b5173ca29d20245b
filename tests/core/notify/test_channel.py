"""Which channel a client notification goes on, for a garage with WhatsApp
and SMS numbers: where the client last wrote (session notices and payment
receipts alike), and SMS instead of a WhatsApp message the provider would
refuse (outside the 24-hour window, no template)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from garagebot.core.billing.payments import record_payment
from garagebot.core.garage import set_garage_settings
from garagebot.core.messaging import set_whatsapp_template, touch_contact
from garagebot.core.models import Client, OutboxRow
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.core.billing.helpers import invoiced_visit
from tests.core.notify.harness import dispatcher, sent_to
from tests.webhooks.pages.scene import open_visit


def _number() -> str:
    return f"+96279{uuid.uuid4().int % 10**7:07d}"


@pytest.mark.parametrize(("numbers", "template", "wrote", "expected"), [
    (("whatsapp", "sms"), False, (), "sms"),
    (("whatsapp", "sms"), True, (), "whatsapp"),
    (("whatsapp", "sms"), False, (("whatsapp", 1),), "whatsapp"),
    (("whatsapp", "sms"), False, (("whatsapp", 48),), "sms"),
    (("whatsapp", "sms"), True, (("whatsapp", 2), ("sms", 1)), "sms"),
    (("whatsapp", "sms"), False, (("sms", 2), ("whatsapp", 1)), "whatsapp"),
    (("whatsapp",), False, (), "whatsapp"),
    (("sms",), False, (("whatsapp", 1),), "sms"),
], ids=["no-template-so-sms", "template", "in-window", "window-closed", "wrote-sms-last",
        "wrote-whatsapp-last", "whatsapp-only-garage", "sms-only-garage"])
async def test_the_check_in_notice_goes_where_the_client_can_read_it(
    db: Database, staff: Staff, numbers: tuple[str, ...], template: bool,
    wrote: tuple[tuple[str, int], ...], expected: str,
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(uow, numbers={f"{n}_number": _number() for n in numbers})
        if template:
            await set_whatsapp_template(uow, "notify.session_opened", "en", name="HX" + "b" * 32,
                                        language="en", params=("name",))
    phone = _number()
    async with db.raw_transaction() as s:
        for channel, hours_ago in wrote:
            await touch_contact(s, staff.org, channel, phone, db.clock.now() - dt.timedelta(hours=hours_ago))
    visit = await open_visit(db, staff, phone=phone)
    await dispatcher(db).drain()
    [sent] = await sent_to(db, staff.org, visit.client_id)
    assert (sent.key, sent.channel) == ("notify.session_opened", expected)


@pytest.mark.parametrize(("wrote", "expected"), [("sms", "sms"), ("whatsapp", "whatsapp")])
async def test_a_payment_receipt_goes_where_the_client_last_wrote(
    db: Database, staff: Staff, wrote: str, expected: str
) -> None:
    async with db.unit_of_work(staff.owner) as uow:
        await set_garage_settings(uow, numbers={"whatsapp_number": _number(), "sms_number": _number()})
    visit, invoice = await invoiced_visit(db, staff)
    async with db.raw_transaction() as s:
        phone = (await s.scalars(select(Client.phone).where(Client.id == visit.client_id))).one()
        await touch_contact(s, staff.org, wrote, phone, db.clock.now() - dt.timedelta(hours=1))
    async with db.unit_of_work(staff.accountant) as uow:
        await record_payment(uow, invoice, "5", "CASH")
    async with db.read() as s:
        receipts = (await s.scalars(select(OutboxRow.channel).where(
            OutboxRow.organization_id == staff.org, OutboxRow.topic == "billing.payment_receipt"))).all()
    assert list(receipts) == [expected]
