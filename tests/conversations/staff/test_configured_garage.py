"""A garage made as ``create-org`` makes it and set up only from the example
configuration file: the advisor's intake offers the imported templates and
the first quote has their lines (and the file's default fee)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role
from garagebot.core.garage_config import import_config
from garagebot.core.models import Quote, QuoteLine, RepairSession, ServiceTemplate
from garagebot.core.uow import Database
from tests.conftest import new_garage
from tests.conversations.chat import Sent, keys
from tests.conversations.staff.support import StaffChat, staff_chat

EXAMPLE = (Path(__file__).parents[3] / "docs" / "garage-config.example.yaml").read_text(encoding="utf-8")
ANSWERS = {"staff.intake_phone": "0791234567", "staff.intake_plate": "12-34567",
           "staff.intake_complaint": "Oil change due"}


async def take_in_a_car(advisor: StaffChat, menu: str, done: str) -> list[Sent]:
    """Answer the intake's questions until it offers the templates (whatever it asks on the way)."""
    sent = await advisor.say(menu)
    for _ in range(8):
        key = sent[-1].key
        if key == "staff.intake_template":
            return sent
        answer = ANSWERS.get(key, done if key == "staff.intake_photos" else "Layla Azar")
        sent = await advisor.say(answer)
    raise AssertionError(f"intake never offered a template: {keys(sent)}")


@pytest.mark.parametrize(("locale", "menu", "done", "names"), [
    ("en", "new car", "done", ["Oil and filter service", "Front brake pads"]),
    ("ar", "سيارة جديدة", "تم", ["تغيير الزيت والفلتر", "تبديل فحمات الفرامل الأمامية"]),
])
async def test_the_intake_offers_the_imported_templates_and_the_first_quote_has_lines(
    db: Database, locale: str, menu: str, done: str, names: list[str],
) -> None:
    org = await new_garage(db)
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        await import_config(uow, EXAMPLE)
    async with db.read() as s:
        templates = {t.code: t.id for t in (await s.scalars(
            select(ServiceTemplate).where(ServiceTemplate.organization_id == org))).all()}
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    offered = await take_in_a_car(advisor, menu, done)
    choices = {cid: label.strip("\u2068\u2069") for cid, label in offered[-1].choices}  # FSI … PDI
    assert choices[f"it:{templates['oil_service']}"] == names[0]
    assert choices[f"it:{templates['brake_pads']}"] == names[1]
    added = await advisor.say(choice=f"it:{templates['oil_service']}")
    assert keys(added) == ["staff.job_card_added", "staff.session_card"]
    preview = await advisor.say(choice="sa:quote")
    assert keys(preview) == ["quote.preview"]  # the lines and totals first
    assert keys(await advisor.say(choice="qa:send")) == ["quote.confirm_send"]
    sent = await advisor.say(choice="qa:yes")
    assert "staff.quote_sent" in keys(sent)
    async with db.read() as s:
        rs = (await s.scalars(select(RepairSession).where(RepairSession.organization_id == org))).one()
        quote = (await s.scalars(select(Quote).where(Quote.session_id == rs.id))).one()
        lines = (await s.scalars(select(QuoteLine).where(QuoteLine.quote_id == quote.id)
                                 .order_by(QuoteLine.position))).all()
    described = {(line.kind, line.description_en): line.unit_price for line in lines}
    assert described == {
        ("LABOUR", "Oil and filter service"): Decimal("20.000"),  # timed steps at the file's labour rate
        ("LABOUR", "Oil and filter service: Drain the engine oil"): Decimal("8.000"),  # the file's flat price
        ("FEE", "Shop supplies"): Decimal("1.500"),  # the file's default fee
    }
    assert quote.status == "SENT"
