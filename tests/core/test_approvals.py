"""The signed approval service: decisions, signature, signer and the version's
hash in one unit of work; single use; refusals write nothing."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from garagebot.core.actor import Actor
from garagebot.core.approvals import SignedApproval, check_signature_png, link_key, record_signed_approval
from garagebot.core.billing.enums import LineDecision, QuoteStatus
from garagebot.core.billing.invoices import create_invoice
from garagebot.core.billing.quote_flow import send_quote
from garagebot.core.billing.quotes import revise_quote
from garagebot.core.enums import Channel
from garagebot.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from garagebot.core.ids import ClientId, QuoteLineId
from garagebot.core.models import (
    AuditEntry,
    InvoiceLine,
    MediaFile,
    OutboxRow,
    Quote,
    QuoteApproval,
    QuoteDecision,
    QuoteLine,
)
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.fakes import MemoryFileStorage
from tests.webhooks.pages.scene import QuotedVisit, png, quoted_visit

A, D, F = LineDecision.APPROVED, LineDecision.DECLINED, LineDecision.DEFERRED


def approval(v: QuotedVisit, content_hash: str, decisions: dict[QuoteLineId, LineDecision] | None = None,
             **changes: object) -> SignedApproval:
    """The approval the page would submit: line 1 declined, the others approved."""
    values: dict[str, object] = {
        "quote_id": v.quote_id, "link_key": link_key(f"token-{v.quote_id}"), "content_hash": content_hash,
        "decisions": decisions if decisions is not None else {v.lines[0]: D, **{ln: A for ln in v.lines[1:]}},
        "signer_name": "Lina Haddad", "signature_png": png(), "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (Android 14)",
    }
    values.update(changes)
    return SignedApproval(**values)  # type: ignore[arg-type]


async def shown_hash(db: Database, v: QuotedVisit) -> str:
    async with db.read() as s:
        digest = (await s.execute(select(Quote.content_hash).where(Quote.id == v.quote_id))).scalar_one()
    assert digest is not None
    return digest


async def count(db: Database, model: type[object], **where: object) -> int:
    async with db.read() as s:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int((await s.execute(stmt)).scalar_one())


@pytest.fixture
def storage() -> MemoryFileStorage:
    return MemoryFileStorage()


async def test_a_signed_approval_records_decisions_signature_signer_and_the_hash_shown(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)
    async with db.unit_of_work(v.client) as uow:
        receipt = await record_signed_approval(uow, storage, approval(v, digest))
    assert receipt.status is QuoteStatus.PARTIALLY_APPROVED
    async with db.read() as s:
        row = (await s.execute(
            select(QuoteApproval).where(QuoteApproval.quote_id == v.quote_id))).scalar_one()
        assert (row.content_hash, row.signer_name, row.ip) == (digest, "Lina Haddad", "203.0.113.7")
        assert row.user_agent == "Mozilla/5.0 (Android 14)"
        assert row.signed_at == db.clock.now()
        media = await s.get(MediaFile, row.signature_media_id)
        assert media is not None
        assert media.kind == "signature"
        assert media.uploaded_by_client_id == v.client_id
        assert not media.client_visible
        assert storage.files[media.storage_key] == (png(), "image/png")
        decided = {int(i): str(d) for i, d in (await s.execute(select(QuoteLine.id, QuoteLine.decision).where(
            QuoteLine.quote_id == v.quote_id))).all()}
        assert decided == {v.lines[0]: "DECLINED", **{ln: "APPROVED" for ln in v.lines[1:]}}
        keys = set((await s.scalars(select(QuoteDecision.decision_key).where(
            QuoteDecision.quote_id == v.quote_id))).all())
        assert keys == {f"link:{link_key(f'token-{v.quote_id}')}"}
        audit = (await s.execute(select(AuditEntry).where(
            AuditEntry.organization_id == v.org, AuditEntry.entity == "quote_approval"))).scalar_one()
        assert audit.actor_kind == "client"
        assert audit.channel == "web"
        assert audit.after is not None
        assert audit.after["content_hash"] == digest
        topics = (await s.scalars(select(OutboxRow.topic).where(OutboxRow.organization_id == v.org))).all()
        assert "approval.signed" in topics
        assert "billing.quote_decided" in topics


async def test_only_the_approved_lines_reach_the_invoice(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    async with db.unit_of_work(v.client) as uow:
        await record_signed_approval(uow, storage, approval(v, await shown_hash(db, v)))
    async with db.unit_of_work(staff.advisor) as uow:
        invoice_id = await create_invoice(uow, v.session_id)
    async with db.read() as s:
        invoiced = set((await s.scalars(select(InvoiceLine.quote_line_id).where(
            InvoiceLine.invoice_id == invoice_id))).all())
    assert invoiced == set(v.lines[1:])


async def test_the_same_link_cannot_decide_twice(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)
    async with db.unit_of_work(v.client) as uow:
        await record_signed_approval(uow, storage, approval(v, digest))
    with pytest.raises(Conflict) as refused:
        async with db.unit_of_work(v.client) as uow:
            await record_signed_approval(uow, storage, approval(v, digest, signer_name="Someone Else"))
    assert refused.value.key == "error.approval_link_used"
    assert await count(db, QuoteApproval, quote_id=v.quote_id) == 1
    assert await count(db, MediaFile, session_id=v.session_id, kind="signature") == 1


async def test_two_submissions_at_once_record_one_approval(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)

    async def submit(name: str) -> str:
        try:
            async with db.unit_of_work(v.client) as uow:
                await record_signed_approval(uow, storage, approval(v, digest, signer_name=name))
        except DomainError as exc:
            return exc.key
        return "ok"

    outcomes = await asyncio.gather(submit("First"), submit("Second"))
    assert sorted(outcomes) == ["error.approval_link_used", "ok"]
    assert await count(db, QuoteApproval, quote_id=v.quote_id) == 1
    assert await count(db, QuoteDecision, quote_id=v.quote_id) == len(v.lines)


async def test_a_superseded_version_is_refused_and_nothing_is_written(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)
    async with db.unit_of_work(staff.advisor) as uow:
        newer = await revise_quote(uow, v.quote_id)
        await send_quote(uow, newer)
    with pytest.raises(Conflict) as refused:
        async with db.unit_of_work(v.client) as uow:
            await record_signed_approval(uow, storage, approval(v, digest))
    assert refused.value.key == "error.approval_quote_superseded"
    assert await count(db, MediaFile, session_id=v.session_id, kind="signature") == 0
    assert await count(db, QuoteDecision, quote_id=v.quote_id) == 0
    assert storage.files.keys() == {k for k in storage.files if "/photos/" in k}


async def test_a_hash_other_than_the_versions_is_refused(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    with pytest.raises(Conflict) as refused:
        async with db.unit_of_work(v.client) as uow:
            await record_signed_approval(uow, storage, approval(v, "0" * 64))
    assert refused.value.key == "error.approval_quote_changed"
    assert await count(db, QuoteApproval, quote_id=v.quote_id) == 0


@pytest.mark.parametrize(("changes", "key"), [
    ({"signature_png": png(ink=False)}, "error.approval_signature_empty"),
    ({"signature_png": b""}, "error.approval_signature_empty"),
    ({"signature_png": b"GIF89a not a png"}, "error.approval_signature_invalid"),
    ({"signature_png": png()[:-8]}, "error.approval_signature_invalid"),
    ({"signer_name": "  \u200f "}, "error.approval_name_required"),
    ({"signer_name": "x" * 201}, "error.approval_name_too_long"),
])
async def test_bad_input_is_refused_before_anything_is_written(
    db: Database, staff: Staff, storage: MemoryFileStorage, changes: dict[str, object], key: str
) -> None:
    v = await quoted_visit(db, staff, storage)
    with pytest.raises(InvalidInput) as refused:
        async with db.unit_of_work(v.client) as uow:
            await record_signed_approval(uow, storage, approval(v, await shown_hash(db, v), None, **changes))
    assert refused.value.key == key
    assert await count(db, MediaFile, session_id=v.session_id, kind="signature") == 0
    assert await count(db, QuoteDecision, quote_id=v.quote_id) == 0


async def test_every_pending_line_needs_a_real_decision(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)
    for decisions in ({v.lines[0]: A}, {**{ln: A for ln in v.lines}, v.lines[1]: LineDecision.PENDING}):
        with pytest.raises(InvalidInput) as refused:
            async with db.unit_of_work(v.client) as uow:
                await record_signed_approval(uow, storage, approval(v, digest, decisions))
        assert refused.value.key == "error.approval_decision_missing"
    with pytest.raises(InvalidInput) as unknown:
        async with db.unit_of_work(v.client) as uow:
            await record_signed_approval(uow, storage, approval(
                v, digest, {**{ln: F for ln in v.lines}, QuoteLineId(10**9): A}))
    assert unknown.value.key == "error.line_not_in_quote"
    assert await count(db, QuoteDecision, quote_id=v.quote_id) == 0


async def test_an_expired_quote_cannot_be_signed(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)
    db.clock.advance(days=400)  # type: ignore[attr-defined]
    with pytest.raises(InvalidTransition) as refused:
        async with db.unit_of_work(v.client) as uow:
            await record_signed_approval(uow, storage, approval(v, digest))
    assert refused.value.key == "error.approval_expired"


async def test_only_the_sessions_own_client_may_sign(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    other = await quoted_visit(db, staff, storage)
    digest = await shown_hash(db, v)
    for actor in (Actor.client(v.org, ClientId(other.client_id), Channel.WEB), staff.advisor):
        with pytest.raises(PermissionDenied):
            async with db.unit_of_work(actor) as uow:
                await record_signed_approval(uow, storage, approval(v, digest))
    assert await count(db, QuoteApproval, quote_id=v.quote_id) == 0


async def test_another_garage_cannot_reach_the_quote(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    theirs = await make_staff(db, await new_garage(db))
    elsewhere = await quoted_visit(db, theirs, storage)
    with pytest.raises(NotFound):
        async with db.unit_of_work(elsewhere.client) as uow:
            await record_signed_approval(uow, storage, approval(v, await shown_hash(db, v)))
    assert await count(db, QuoteApproval, quote_id=v.quote_id) == 0


def test_a_signature_png_with_ink_passes_the_check() -> None:
    check_signature_png(png(300, 100))
    with pytest.raises(InvalidInput):
        check_signature_png(png(300, 100, ink=False))
