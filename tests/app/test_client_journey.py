"""A client's whole repair, followed from the phone through the composed app:
the real provider webhooks, client engine, notification rules, outbox drained
in-process and Twilio sender (against the local fake Twilio API), the client
pages, and staff acting through the core services.

The client is checked in, asks where the car is, gets the quote and decides
on it (by reply on SMS, on the signed page on WhatsApp), hears the car is
ready, asks for the pick-up PIN, is delivered on that PIN and rates the
visit; a replayed request changes nothing and a forged one is refused.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import func, or_, select

from garagebot.app.keys import RUNTIME
from garagebot.app.web import create_app
from garagebot.core.billing.enums import LineKind
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import NewLine, add_quote_line, create_quote
from garagebot.core.enums import Channel, OutboxKind, OutboxStatus, SessionStatus
from garagebot.core.ids import QuoteId, QuoteLineId
from garagebot.core.messaging import set_whatsapp_template
from garagebot.core.models import ClientRating, OutboxRow, QuoteDecision, QuoteLine
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.uow import Database
from tests.app.conftest import fake_twilio_settings
from tests.conftest import Staff
from tests.conversations.client.harness import LINES, PUBLIC_URL, Scene, Visit, plain, scene, visit
from tests.core.repair.helpers import move, paid_invoice, session_row, tick_all
from tests.fakes import FakeClock
from tests.webhooks.pages.conftest import form_of
from tests.webhooks.pages.scene import png_data_url
from tests.webhooks.twilio.conftest import form, twilio_signature
from tests.webhooks.twilio.fake_api import AUTH_TOKEN, FakeTwilioApi

S = SessionStatus
App = TestClient[web.Request, web.Application]


@dataclass(frozen=True)
class Journey:
    """One client's language, channel and words."""

    locale: str
    channel: Channel
    where: str
    pin: str
    comment: str
    decide_by_reply: bool
    # what the client reads at each step (after the bidi marks are taken out)
    opened: str
    status: str
    state_in_progress: str
    page_state: str
    asked: str
    decided: str
    complete: str
    ready: str
    pin_reply: str
    rate: str
    thanks: str
    done: str


ENGLISH_SMS = Journey(
    locale="en", channel=Channel.SMS, where="Where is my car?", pin="pin", comment="Quick and friendly",
    decide_by_reply=True,
    opened="Hello Rami, Test Garage has opened job {number} for your {plate}",
    status="Your car {plate} ({number}) is", state_in_progress="being inspected", page_state="Diagnosing",
    asked="Test Garage: the quote for job {number} (version 1) is ready",
    decided="Thank you. Approved: 2, declined: 1, deferred: 0.",
    complete="We have your answer on every line. The garage will go ahead with the work you approved.",
    ready="Your {plate} is ready for pick-up at Test Garage (job {number})",
    pin_reply="Your pick-up PIN for {plate} is {pin}.",
    rate="Thank you, Rami, for choosing Test Garage!",
    thanks="Thank you for rating us 5 out of 5!",
    done="Thank you for your comment. The garage's manager will read it.",
)
ARABIC_WHATSAPP = Journey(
    locale="ar", channel=Channel.WHATSAPP, where="وين سيارتي", pin="رمز الاستلام", comment="خدمة ممتازة",
    decide_by_reply=False,
    opened="",  # a template: its variables are checked
    status="حالة سيارتك {plate} ({number}):", state_in_progress="قيد الفحص", page_state="قيد التشخيص",
    asked="كراج التجربة: عرض السعر لأمر العمل {number} (النسخة 1) جاهز",
    decided="", complete="",
    ready="سيارتك {plate} جاهزة للاستلام لدى كراج التجربة (أمر العمل {number})",
    pin_reply="رمز استلام سيارتك {plate} هو {pin}.",
    rate="شكرًا لك يا Rami على اختيار كراج التجربة!",
    thanks="شكرًا لتقييمك لنا بـ5 من 5!", done="شكرًا على تعليقك، سيطّلع عليه مدير الكراج.",
)


class Phone:
    """The client's phone: writes to the garage through the signed webhook,
    reads what the fake Twilio API was asked to deliver."""

    def __init__(self, app: App, fake: FakeTwilioApi, sc: Scene, v: Visit, journey: Journey) -> None:
        self.app, self.fake, self.sc, self.v, self.j = app, fake, sc, v, journey
        self.whatsapp = journey.channel is Channel.WHATSAPP
        self.address = f"whatsapp:{v.phone}" if self.whatsapp else v.phone
        self.path = "/webhooks/twilio/whatsapp" if self.whatsapp else "/webhooks/twilio/sms"
        self.read = 0  # messages already read

    def params(self, text: str) -> dict[str, str]:
        if self.whatsapp:
            return form("whatsapp_text", From=self.address, To=f"whatsapp:{self.sc.whatsapp}",
                        WaId=self.v.phone.lstrip("+"), Body=text)
        return form("sms_text", From=self.v.phone, To=self.sc.sms, Body=text)

    async def post(self, params: dict[str, str], *, token: str = AUTH_TOKEN) -> int:
        signature = twilio_signature(token, f"{PUBLIC_URL}{self.path}", params)
        resp = await self.app.post(self.path, data=params, headers={"X-Twilio-Signature": signature})
        return resp.status

    async def write(self, text: str) -> dict[str, str]:
        params = self.params(text)
        assert await self.post(params) == 200
        return params

    def received(self) -> list[dict[str, str]]:
        return self.fake.to(self.address)

    async def next(self, what: str) -> str:
        """The next message the client receives (its text, or a template's variables)."""
        await self.fake.wait_until(lambda: len(self.received()) > self.read, what)
        message = self.received()[self.read]
        self.read += 1
        assert message["From"] == (f"whatsapp:{self.sc.whatsapp}" if self.whatsapp else self.sc.sms)
        return plain(message.get("Body") or message["ContentVariables"])

    async def say(self, text: str, what: str) -> str:
        await self.write(text)
        return await self.next(what)


def fill(text: str, v: Visit, **more: str) -> str:
    return text.format(number=v.number, plate=v.plate, **more)


def link(text: str, marker: str) -> str:
    found = re.search(rf"https?://\S+{marker}\S+", text)
    assert found is not None, f"no {marker} link in {text!r}"
    return found.group(0).rstrip(".)،")


async def followed(app: App, text: str, marker: str, channel: Channel) -> str:
    """The path of the ``marker`` link in ``text``; on SMS the link is short
    (/s/…) and redirects to it."""
    if channel is Channel.WHATSAPP:
        url = link(text, marker)
    else:
        redirect = await app.get(link(text, "/s/").removeprefix(PUBLIC_URL), allow_redirects=False)
        assert redirect.status == 302
        url = redirect.headers["Location"]
    assert url.startswith(f"{PUBLIC_URL}{marker}")
    return url.removeprefix(PUBLIC_URL)


async def settled(app: App, db: Database, clock: FakeClock, org: int) -> None:
    """Every outbox row that is due or in flight has been handled by the app's drain (woken
    by each round of the app's in-process drainer)."""
    async def due() -> int:
        async with db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(OutboxRow).where(
                OutboxRow.organization_id == org, OutboxRow.status == OutboxStatus.PENDING.value,
                # due, or in flight (claimed: its lease put available_at ahead)
                or_(OutboxRow.available_at <= clock.now(), OutboxRow.claimed_by.is_not(None)))) or 0)
    assert app.app is not None
    drainer = app.app[RUNTIME].drainer
    assert drainer is not None
    async def drained() -> None:
        while await due():
            await drainer.next_round()
    try:
        await asyncio.wait_for(drained(), 20)
    except TimeoutError:
        raise AssertionError("the outbox never drained") from None


async def messages_to(db: Database, phone: str) -> list[OutboxRow]:
    async with db.read() as s:
        return list((await s.scalars(select(OutboxRow).where(
            OutboxRow.recipient == phone, OutboxRow.kind == OutboxKind.MESSAGE.value).order_by(OutboxRow.id)
        )).all())


async def decisions(db: Database, quote: QuoteId) -> list[tuple[int, str, str]]:
    async with db.read() as s:
        return [(int(r[0]), str(r[1]), str(r[2])) for r in (await s.execute(
            select(QuoteDecision.line_id, QuoteDecision.decision, QuoteDecision.channel)
            .where(QuoteDecision.quote_id == quote).order_by(QuoteDecision.line_id))).all()]


async def line_states(db: Database, quote: QuoteId) -> dict[int, str]:
    async with db.read() as s:
        return {int(i): str(d) for i, d in (await s.execute(
            select(QuoteLine.id, QuoteLine.decision).where(QuoteLine.quote_id == quote))).all()}


async def quote_sent(
    db: Database, staff: Staff, v: Visit, channel: Channel
) -> tuple[QuoteId, list[QuoteLineId]]:
    async with db.unit_of_work(staff.advisor) as uow:
        qid = await create_quote(uow, v.session_id)
        ids = [await add_quote_line(uow, qid, NewLine(LineKind.PART, en, ar, "1", Decimal(price)))
               for en, ar, price in LINES]
        await send_quote(uow, qid, channel=channel)
    return qid, ids


@pytest.mark.parametrize("journey", [ENGLISH_SMS, ARABIC_WHATSAPP], ids=["english-sms", "arabic-whatsapp"])
async def test_a_client_follows_approves_and_rates_a_repair_from_the_phone(
    journey: Journey, db: Database, clock: FakeClock, staff: Staff, db_url: str, tmp_path: Path,
    aiohttp_server: AiohttpServer, aiohttp_client: AiohttpClient,
) -> None:
    sc = await scene(db, staff.org)
    if journey.channel is Channel.WHATSAPP:
        # Outside the 24-hour window WhatsApp takes only approved templates:
        # the garage registered its check-in notice.
        async with db.unit_of_work(staff.owner) as uow:
            await set_whatsapp_template(uow, "notify.session_opened", journey.locale, name="HX" + "a" * 32,
                                        language=journey.locale, params=("name", "number", "car", "link"))
    fake, settings = await fake_twilio_settings(aiohttp_server, db_url, tmp_path)
    app = await aiohttp_client(create_app(settings, clock=clock))

    # 1. Checked in: the notice with the timeline link, on the client's channel.
    v = await visit(db, staff, locale=journey.locale)
    phone = Phone(app, fake, sc, v, journey)
    opened = await phone.next("the check-in notice")
    if journey.channel is Channel.WHATSAPP:  # the garage's approved template, in Arabic
        template = fake.to(phone.address)[0]
        assert (template["ContentSid"], "Body" in template) == ("HX" + "a" * 32, False)
        variables = json.loads(opened)
        assert [variables[n] for n in "123"] == ["Rami", v.number, v.plate]
        opened = variables["4"]
    else:
        assert fill(journey.opened, v) in opened
    assert (await app.get(await followed(app, opened, "/t/", journey.channel))).status == 200

    # 2. "Where is my car?": status, expected time and the timeline link.
    await move(db, staff.advisor, v.session_id, S.DIAGNOSING)
    asked_where = phone.params(journey.where)
    assert await phone.post(asked_where) == 200
    status = await phone.next("the status")
    assert status.startswith(fill(journey.status, v))
    assert journey.state_in_progress in status
    page = await app.get(await followed(app, status, "/t/", journey.channel))
    assert page.status == 200
    assert f'id="current-status">{journey.page_state}<' in await page.text()

    # 3. The quote: exactly one message, with the signed approval link.
    await settled(app, db, clock, staff.org)
    before = len(await messages_to(db, v.phone))
    quote, lines = await quote_sent(db, staff, v, journey.channel)
    asked = await phone.next("the approval request")
    await settled(app, db, clock, staff.org)
    new = (await messages_to(db, v.phone))[before:]
    assert [m.topic for m in new] == ["notify.approval_requested"]
    assert fill(journey.asked, v) in asked
    approval = await followed(app, asked, "/a/", journey.channel)

    # 4. The decision: line 2 declined, lines 1 and 3 approved.
    if journey.decide_by_reply:
        decided = await phone.say("1,3", "the decision's summary")
        assert decided.startswith(journey.decided)
        assert (await phone.next("the decision's end")).startswith(journey.complete)
    else:
        path = approval
        html = await (await app.get(path)).text()
        fields = form_of(html)
        assert len(fields.lines) == 3
        data = dict(fields.fields)
        for n, name in enumerate(fields.lines):
            data[name] = "DECLINED" if n == 1 else "APPROVED"
        data.update(name="Rami Khoury", signature=png_data_url())
        done = await app.post(path, data=data)
        assert done.status == 200
        assert (await app.post(path, data=data)).status == 410  # the link is used: a replay changes nothing
    chosen = {lines[0]: "APPROVED", lines[1]: "DECLINED", lines[2]: "APPROVED"}
    assert await line_states(db, quote) == chosen
    channel = journey.channel.value if journey.decide_by_reply else Channel.WEB.value
    assert await decisions(db, quote) == [(line, d, channel) for line, d in chosen.items()]

    # 5. Ready, PIN, delivered on that PIN, rated.
    await move(db, staff.advisor, v.session_id, S.IN_PROGRESS, S.QA_CHECK)
    await tick_all(db, staff.lead, staff.org, v.session_id)
    await move(db, staff.advisor, v.session_id, S.READY_FOR_PICKUP)
    ready = await phone.next("ready for pick-up")
    assert fill(journey.ready, v) in ready
    pin = (await session_row(db, v.session_id)).delivery_pin
    said = await phone.say(journey.pin, "the PIN")
    assert said.startswith(fill(journey.pin_reply, v, pin=pin))
    await move(db, staff.advisor, v.session_id, S.COMPLETED)
    await paid_invoice(db, staff.org, v.session_id)  # chat billing: tests/conversations/staff/test_billing.py
    async with db.unit_of_work(staff.advisor) as uow:
        outcome = await confirm_delivery(uow, v.session_id, pin=pin)
    assert outcome.delivered
    rate = await phone.next("the rating request")
    assert rate.startswith(journey.rate)
    assert "5. ⭐⭐⭐⭐⭐" in rate
    assert (await phone.say("5", "thanks for the rating")).startswith(journey.thanks)
    await phone.write(journey.comment)
    assert (await phone.next("the closing thanks")).startswith(journey.done)
    async with db.read() as s:
        rating = (await s.scalars(select(ClientRating).where(ClientRating.session_id == v.session_id))).one()
    assert (rating.score, rating.comment, rating.channel) == (5, journey.comment, journey.channel.value)

    # 6. A replayed request changes nothing; a forged one is refused.
    await settled(app, db, clock, staff.org)
    outbox, received = len(await messages_to(db, v.phone)), len(phone.received())
    assert await phone.post(asked_where) == 200  # the same MessageSid again: not answered twice
    forged = phone.params(journey.where)
    assert await phone.post(forged, token="another-token-of-some-length") == 403  # noqa: S106
    await settled(app, db, clock, staff.org)
    assert (len(await messages_to(db, v.phone)), len(phone.received())) == (outbox, received)
    assert await decisions(db, quote) == [(line, d, channel) for line, d in chosen.items()]
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(ClientRating).where(
            ClientRating.session_id == v.session_id)) == 1
