"""Fleet accounts (bulk payers): sessions billed to an account, and lump-sum
payments that settle the account's open invoices oldest first.

The cascade: the account's available credit (older payments' unallocated
money, oldest first) and then the new payment pay the open invoices in
issue order; the last invoice reached may be paid in part; whatever is left
becomes credit. It reads only the invoices the money can reach and writes
set-based (see ``ledger``). Each payment keeps its allocation rows, so
``reverse_payment`` (newest first) restores invoices and credit exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.enums import (
    OPEN_INVOICE,
    AllocationCause,
    InvoiceStatus,
    PayerKind,
    PaymentMethod,
)
from garagebot.core.billing.ledger import Payer, credit_sources, lock_payer, open_targets
from garagebot.core.billing.payments import PaymentResult, new_payment, payment_method, settle
from garagebot.core.billing.settings import load_settings
from garagebot.core.errors import Conflict, InvalidInput, InvalidTransition
from garagebot.core.ids import FleetAccountId, OrgId, SessionId
from garagebot.core.models import AccountCredit, FleetAccount, FleetSession, Invoice, RepairSession
from garagebot.core.money import Money, parse_amount
from garagebot.core.normalize import clean_text, phone_e164
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


async def create_fleet_account(
    uow: UnitOfWork, *, name: str, contact_phone: str | None = None, tax_number: str | None = None
) -> FleetAccountId:
    """A new bulk payer of the garage (names are unique per garage)."""
    await uow.require(Permission.MANAGE_BILLING)
    clean = clean_text(name)[:200]
    if not clean:
        raise InvalidInput("error.name_required")
    phone = phone_e164(contact_phone) if contact_phone else None
    if (await uow.session.execute(select(FleetAccount.id).where(
        FleetAccount.organization_id == uow.org_id, FleetAccount.name == clean,
    ))).first():
        raise Conflict("error.fleet_account_exists", name=clean)
    account = FleetAccount(
        organization_id=uow.org_id, name=clean, contact_phone=phone,
        tax_number=clean_text(tax_number or "")[:64] or None, active=True, created_at=uow.now,
    )
    uow.session.add(account)
    await uow.session.flush()
    await uow.audit("fleet_account", account.id, "create", after={"name": clean, "contact_phone": phone})
    return FleetAccountId(account.id)


async def bill_session_to_account(uow: UnitOfWork, session_id: SessionId, account_id: FleetAccountId) -> None:
    """Bill the session to the fleet account instead of its client (before it is invoiced)."""
    await uow.require(Permission.MANAGE_BILLING)
    rs = await uow.get(RepairSession, session_id, lock=True)
    account = await uow.get(FleetAccount, account_id)
    if not account.active:
        raise InvalidTransition("error.fleet_account_inactive", name=account.name)
    invoiced = (await uow.session.execute(select(Invoice.number).where(
        Invoice.organization_id == uow.org_id, Invoice.session_id == rs.id,
        Invoice.status != InvoiceStatus.VOID.value,
    ).limit(1))).scalar_one_or_none()
    if invoiced is not None:
        raise Conflict("error.session_already_invoiced", session=rs.number, number=invoiced)
    link = await uow.session.get(FleetSession, rs.id)
    before = link.account_id if link else None
    if link is None:
        uow.session.add(FleetSession(session_id=rs.id, organization_id=uow.org_id, account_id=account.id,
                                     created_at=uow.now))
    else:
        link.account_id = account.id
    await uow.audit("repair_session", rs.id, "bill_to_fleet", before={"account_id": before},
                    after={"account_id": account.id})


async def record_fleet_payment(
    uow: UnitOfWork, account_id: FleetAccountId, amount: str | Decimal, method: PaymentMethod | str,
    *, reference: str | None = None,
) -> PaymentResult:
    """A lump sum from the account: with its available credit it settles the
    open invoices oldest first; the surplus becomes credit."""
    await uow.require(Permission.MANAGE_BILLING)
    how = payment_method(method)
    account = await uow.get(FleetAccount, account_id)
    currency = (await load_settings(uow)).currency
    money = parse_amount(amount, currency, allow_zero=False)
    ref = clean_text(reference) if reference is not None else None
    if reference is not None and (not ref or len(ref) > 128):
        raise InvalidInput("error.payment_reference_invalid", value=reference)
    payer = Payer(PayerKind.FLEET, account.id)
    zero = Money.zero(currency).amount
    credit = Money(await lock_payer(uow, payer, zero), currency)
    row = await new_payment(uow, payer, money, how, ref)
    if isinstance(row, PaymentResult):
        return row
    sources = await credit_sources(uow, payer, zero)  # oldest first; the new payment is last
    pool = sum((s.available for s in sources), Decimal(0))
    targets = await open_targets(uow, payer, pool)
    return await settle(uow, row, payer, credit, sources, targets, AllocationCause.PAYMENT)


@dataclass(frozen=True, slots=True)
class FleetBalance:
    """What the account owes (open invoices) and what it has paid ahead (credit)."""

    open_invoices: int
    owed: Money
    credit: Money


async def fleet_balance(
    session: AsyncSession, org_id: OrgId, account_id: FleetAccountId, currency: str
) -> FleetBalance:
    rows = (await session.execute(select(Invoice.total, Invoice.paid_amount).where(
        Invoice.organization_id == org_id, Invoice.payer_kind == PayerKind.FLEET.value,
        Invoice.payer_id == account_id, Invoice.status.in_([s.value for s in OPEN_INVOICE]),
    ))).all()
    credit = (await session.execute(select(AccountCredit.balance).where(
        AccountCredit.organization_id == org_id, AccountCredit.payer_kind == PayerKind.FLEET.value,
        AccountCredit.payer_id == account_id,
    ))).scalar_one_or_none()
    owed = sum((Decimal(t) - Decimal(p) for t, p in rows), Decimal(0))
    return FleetBalance(len(rows), Money(owed, currency), Money(Decimal(credit or 0), currency))
