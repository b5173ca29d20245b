"""The Meta sender against the fake Graph API: reply buttons, lists, numbered
text for long lists, templates outside the 24-hour window, refusals."""

from __future__ import annotations

from typing import Any

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, SessionStatus
from garagebot.core.messaging import set_whatsapp_template
from garagebot.core.models import OutboxRow
from garagebot.core.ports import Choice
from tests.conftest import Staff
from tests.conversations.client.harness import outbox_to, sent_quote, visit
from tests.core.repair.helpers import to_ready
from tests.webhooks.meta.conftest import MetaHarness

S = SessionStatus


def interactive(payload: dict[str, object]) -> dict[str, Any]:
    assert payload["type"] == "interactive"
    body = payload["interactive"]
    assert isinstance(body, dict)
    return body


async def _row(meta: MetaHarness, row_id: int) -> OutboxRow:
    async with meta.db.read() as s:
        row = await s.get(OutboxRow, row_id)
        assert row is not None
        return row


async def test_up_to_three_choices_are_reply_buttons_with_short_titles(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    await to_ready(meta.db, staff, v.session_id)

    await meta.send("text", v.phone, text={"body": "hello"})
    await meta.deliver()

    [sent] = meta.fake.to(v.phone)
    body = interactive(sent.payload)
    assert body["type"] == "button"
    assert body["body"] == {"text": "Hello Rami! This is Test Garage. How can we help?"}
    assert body["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "c:status", "title": "Where is my car?"}},
        {"type": "reply", "reply": {"id": "c:pin", "title": "Pick-up PIN"}},
        {"type": "reply", "reply": {"id": "c:lang", "title": "العربية / English"}},
    ]


async def test_four_to_ten_choices_are_a_list_and_more_are_numbered_text(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, locale="ar", path=(S.DIAGNOSING,))
    await meta.send("text", v.phone, text={"body": "مرحبا"})  # opens the 24-hour window
    many = tuple(Choice(f"x:{n}", "client.choice_line", {"n": n, "desc": "تبديل فحمات الفرامل الأمامية"})
                 for n in range(1, 12))
    async with meta.db.unit_of_work(Actor.system(meta.org)) as uow:
        uow.send(Channel.WHATSAPP, v.phone, "ar", "client.quote_pick", {}, many[:5])
        uow.send(Channel.WHATSAPP, v.phone, "ar", "client.quote_pick", {}, many)
    await meta.deliver()

    _, listed, numbered = meta.fake.to(v.phone)
    body = interactive(listed.payload)
    assert body["type"] == "list"
    assert body["action"]["button"] == "اختر"
    rows = body["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["x:1", "x:2", "x:3", "x:4", "x:5"]
    assert all(len(r["title"]) <= 24 for r in rows)
    assert rows[0]["title"].endswith("…")
    assert numbered.payload["type"] == "text"
    text = str(numbered.payload["text"]["body"])  # type: ignore[index]
    assert "أرسل الرقم المناسب:\n1. " in text
    assert "\n11. " in text


async def test_the_quote_comes_with_approve_decline_and_choose_buttons(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    qid, _ = await sent_quote(meta.db, staff, v)

    await meta.send("text", v.phone, text={"body": "quote"})
    await meta.deliver()

    quote = [s for s in meta.fake.to(v.phone) if s.payload["type"] == "interactive"][-1]
    body = interactive(quote.payload)
    assert [b["reply"]["id"] for b in body["action"]["buttons"]] == [
        f"q:{qid}:all:a", f"q:{qid}:all:d", f"q:{qid}:pick"]
    assert [b["reply"]["title"] for b in body["action"]["buttons"]] == [
        "Approve all", "Decline all", "Choose lines"]


async def test_outside_the_window_a_template_is_sent_with_its_parameters(
    meta: MetaHarness, staff: Staff
) -> None:
    async with meta.db.unit_of_work(staff.owner) as uow:
        await set_whatsapp_template(uow, APPROVAL, "ar", name="quote_ready",
                                    language="ar", params=["number", "total"])
    v = await visit(meta.db, staff, locale="ar", path=(S.DIAGNOSING,))
    await meta.deliver()
    await _queue(meta, v.phone, APPROVAL, _approval(v.number), locale="ar")  # as the rules queue it
    await meta.deliver()

    [sent] = meta.fake.to(v.phone)
    assert sent.payload["type"] == "template"
    template = sent.payload["template"]
    assert isinstance(template, dict)
    assert template["name"] == "quote_ready"
    assert template["language"] == {"code": "ar"}
    [component] = template["components"]
    assert component["type"] == "body"
    assert component["parameters"][0] == {"type": "text", "text": v.number}


async def test_without_a_template_nothing_is_sent_outside_the_window(meta: MetaHarness, staff: Staff) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    await meta.deliver()
    await _queue(meta, v.phone, APPROVAL, _approval(v.number))
    await meta.deliver()

    assert meta.fake.to(v.phone) == []
    [row] = await outbox_to(meta.db, v.phone)
    assert row.status == "failed"
    assert "no approved template" in str(row.error)


async def test_throttling_is_retried_and_other_refusals_fail_with_metas_code(
    meta: MetaHarness, staff: Staff
) -> None:
    v = await visit(meta.db, staff, path=(S.DIAGNOSING,))
    await meta.send("text", v.phone, text={"body": "thanks"})  # opens the 24-hour window
    await meta.deliver()  # nothing else is due now, so the refusals below meet our rows

    meta.fake.refuse(400, 130429, "Rate limit hit")
    first = await _queue(meta, v.phone)
    await meta.dispatcher.drain_batch()
    row = await _row(meta, first)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "130429" in str(row.error)

    meta.fake.refuse(400, 131026, "Message undeliverable")
    second = await _queue(meta, v.phone)
    await meta.dispatcher.drain_batch()
    row = await _row(meta, second)
    assert (row.status, row.error) == ("failed", "meta error 131026: Message undeliverable")


APPROVAL = "notify.approval_requested"


def _approval(number: str) -> dict[str, object]:
    return {"garage": "Test Garage", "number": number, "version": 1, "total": "JOD 63.800",
            "link": "https://garage.example.com/a/x", "hours": 72}


async def _queue(meta: MetaHarness, phone: str, key: str = "client.forwarded_ack",
                 params: dict[str, object] | None = None, *, locale: str = "en") -> int:
    async with meta.db.unit_of_work(Actor.system(meta.org)) as uow:
        row = uow.send(Channel.WHATSAPP, phone, locale, key, params or {})
        await uow.session.flush()
        return row.id
