"""Suppliers: the garage's parts vendors."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.errors import Conflict, InvalidInput
from garagebot.core.ids import SupplierId
from garagebot.core.models.purchasing import Supplier
from garagebot.core.normalize import clean_text, phone_e164
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

MAX_TERMS_DAYS = 365


@dataclass(frozen=True, slots=True)
class SupplierSpec:
    name: str
    name_ar: str | None = None
    phone: str | None = None
    email: str | None = None
    tax_number: str | None = None
    payment_terms_days: int = 30


def _checked(spec: SupplierSpec) -> dict[str, object]:
    name = clean_text(spec.name)
    if not name or len(name) > 200:
        raise InvalidInput("error.purchasing_supplier_name_required")
    email = clean_text(spec.email) if spec.email else None
    if email and ("@" not in email or len(email) > 200):
        raise InvalidInput("error.purchasing_invalid_email", value=spec.email)
    if not 0 <= spec.payment_terms_days <= MAX_TERMS_DAYS:
        raise InvalidInput("error.purchasing_invalid_terms", value=spec.payment_terms_days,
                           max=MAX_TERMS_DAYS)
    return {
        "name": name, "name_ar": clean_text(spec.name_ar)[:200] or None if spec.name_ar else None,
        "phone": phone_e164(spec.phone) if spec.phone else None, "email": email,
        "tax_number": clean_text(spec.tax_number)[:64] or None if spec.tax_number else None,
        "payment_terms_days": spec.payment_terms_days,
    }


async def _name_taken(uow: UnitOfWork, name: str, other_than: int | None = None) -> bool:
    stmt = select(Supplier.id).where(Supplier.organization_id == uow.org_id, Supplier.name == name)
    if other_than is not None:
        stmt = stmt.where(Supplier.id != other_than)
    return (await uow.session.scalar(stmt)) is not None


async def create_supplier(uow: UnitOfWork, spec: SupplierSpec) -> SupplierId:
    """Add a supplier (names are unique within the garage)."""
    await uow.require(Permission.MANAGE_PURCHASING)
    fields = _checked(spec)
    if await _name_taken(uow, str(fields["name"])):
        raise Conflict("error.purchasing_supplier_taken", name=str(fields["name"]))
    supplier = Supplier(organization_id=uow.org_id, active=True, created_at=uow.now, **fields)
    uow.session.add(supplier)
    await uow.session.flush()
    await uow.audit("supplier", supplier.id, "create", after=fields)
    return SupplierId(supplier.id)


async def update_supplier(uow: UnitOfWork, supplier_id: SupplierId, spec: SupplierSpec,
                          *, active: bool = True) -> None:
    """Replace a supplier's details (and deactivate it with ``active=False``)."""
    await uow.require(Permission.MANAGE_PURCHASING)
    supplier = await uow.get(Supplier, supplier_id)
    fields = _checked(spec)
    if await _name_taken(uow, str(fields["name"]), other_than=supplier.id):
        raise Conflict("error.purchasing_supplier_taken", name=str(fields["name"]))
    before = {k: getattr(supplier, k) for k in fields} | {"active": supplier.active}
    for key, value in fields.items():
        setattr(supplier, key, value)
    supplier.active = active
    await uow.session.flush()
    await uow.audit("supplier", supplier.id, "update", before=before, after={**fields, "active": active})
