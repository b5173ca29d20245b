"""In chat, the advisor sends an issued invoice's PDF to the client: the
button shows on an issued invoice only, the reply names the client, and the
client gets the signed /d/ link in their language (asserted here)."""

from __future__ import annotations

import pytest

from garagebot.core.documents.links import DOCUMENT_PATH, INVOICE_PDF
from garagebot.core.enums import Role
from garagebot.core.ids import OrgId
from garagebot.core.links import read_token
from garagebot.core.models import AuditEntry
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.conversations.chat import keys
from tests.conversations.staff.support import choice_ids, staff_chat, texts
from tests.conversations.staff.test_billing import invoice_of, ready_visit
from tests.core.notify.harness import dispatcher, sent_to, token_of
from tests.webhooks.pages.scene import SECRET


@pytest.mark.parametrize("locale", ["en", "ar"])
async def test_the_advisor_sends_the_invoice_pdf_to_the_client(
    db: Database, org: OrgId, staff: Staff, locale: str
) -> None:
    visit = await ready_visit(db, staff)
    advisor = await staff_chat(db, org, Role.ADVISOR, locale)
    await advisor.say(choice="m:sessions")
    await advisor.say(choice=f"ss:{visit.session_id}")
    draft = await advisor.say(choice="sa:invoice")
    assert "bv:pdf" not in choice_ids(draft)  # a draft is not a tax invoice yet
    issued = await advisor.say(choice="bv:issue")
    assert "bv:pdf" in choice_ids(issued)
    sent = await advisor.say(choice="bv:pdf")
    assert keys(sent) == ["documents.pdf_sent", "billing.invoice_card"]
    inv = await invoice_of(db, visit.session_id)
    assert inv.number in texts(sent)
    await dispatcher(db).drain()
    told = await sent_to(db, org, visit.client_id, "documents.pdf_message")
    assert len(told) == 1
    assert inv.number in told[0].text
    link = token_of(told[0].text, DOCUMENT_PATH)
    assert read_token(SECRET, INVOICE_PDF, link, None, now=db.clock.now()) == inv.id
    async with db.read() as s:
        from sqlalchemy import select

        actions = (await s.scalars(select(AuditEntry.action).where(
            AuditEntry.organization_id == org, AuditEntry.entity == "invoice"))).all()
    assert "send_pdf" in actions
