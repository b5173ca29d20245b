"""A session with a quote the client signed (declining the first line), for the console's pages."""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.approvals import SignedApproval, link_key, record_signed_approval
from garagebot.core.billing.enums import LineDecision
from garagebot.core.models import Quote
from garagebot.core.ports import FileStorage
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.webhooks.pages.scene import QuotedVisit, png, quoted_visit


async def signed_visit(db: Database, staff: Staff, storage: FileStorage) -> QuotedVisit:
    v = await quoted_visit(db, staff, storage)
    async with db.read() as s:
        digest = (await s.execute(select(Quote.content_hash).where(Quote.id == v.quote_id))).scalar_one()
    decisions = {v.lines[0]: LineDecision.DECLINED, **{ln: LineDecision.APPROVED for ln in v.lines[1:]}}
    async with db.unit_of_work(v.client) as uow:
        await record_signed_approval(uow, storage, SignedApproval(
            quote_id=v.quote_id, link_key=link_key(f"token-{v.quote_id}"), content_hash=digest or "",
            decisions=decisions, signer_name="Lina Haddad", signature_png=png(), ip="203.0.113.7",
            user_agent="Mozilla/5.0 (Android 14)"))
    return v
