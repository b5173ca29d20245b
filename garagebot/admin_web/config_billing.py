"""Settings: billing (the owner's): labour rate and billing mode, quote
validity, tax rates per line category, discount limits per role and the
default fees added to every quote. Each changed value is one
``configure_billing`` call (audited there) in one unit of work, so a refused
value is shown beside its own field and nothing is saved while any is wrong."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from aiohttp import web

from garagebot.admin_web.deps import deps
from garagebot.admin_web.forms import Form
from garagebot.admin_web.frame import Ctx, page, redirect, render
from garagebot.core.billing.enums import BillingMode, TaxCategory
from garagebot.core.billing.settings import configure_billing
from garagebot.core.console.config_views import billing_config
from garagebot.core.enums import Role
from garagebot.core.errors import DomainError, InvalidInput
from garagebot.core.garage_config.schema import BillingConfig
from garagebot.core.money import parse_amount
from garagebot.core.normalize import ascii_digits
from garagebot.core.permissions import Permission
from garagebot.core.repair.inputs import whole_number

LIMIT_ROLES = tuple(r.value for r in Role if r not in (Role.OWNER, Role.MANAGER))
FEE_ROWS_BLANK = 2
FEE_COLUMNS = ("kind", "name_en", "name_ar", "amount")


class _Refused(Exception):
    """Some value was refused: the unit of work is rolled back."""


def _values(b: BillingConfig) -> dict[str, str]:
    fees = b.default_fees or ()
    values = {"labour_rate": b.labour_rate or "", "billing_mode": b.billing_mode or "",
              "quote_valid_days": str(b.quote_valid_days or ""),
              **{f"tax_{k}": v for k, v in b.tax_rates or ()},
              **{f"limit_{k}": v for k, v in b.discount_limits or ()},
              "fees": str(len(fees) + FEE_ROWS_BLANK)}
    for i, f in enumerate(fees):
        values |= {f"fee{i}_kind": f.kind.lower(), f"fee{i}_name_en": f.name_en, f"fee{i}_name_ar": f.name_ar,
                   f"fee{i}_amount": f.amount}
    return values


def _names(fee_rows: int) -> list[str]:
    return ["labour_rate", "billing_mode", "quote_valid_days", "fees",
            *(f"tax_{c.value}" for c in TaxCategory), *(f"limit_{r}" for r in LIMIT_ROLES),
            *(f"fee{i}_{c}" for i in range(fee_rows) for c in FEE_COLUMNS)]


def _render(ctx: Ctx, form: Form, status: int = 200) -> web.Response:
    rows = int(form.get("fees")) if form.get("fees").isdigit() else FEE_ROWS_BLANK
    return render(ctx, "config_billing.html", {
        "form": form, "modes": list(BillingMode), "categories": list(TaxCategory), "roles": LIMIT_ROLES,
        "fee_rows": range(min(rows, 20)), "kinds": ("fee", "surcharge")}, status=status)


@page(Permission.MANAGE_GARAGE)
async def show(ctx: Ctx) -> web.StreamResponse:
    async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
        have = await billing_config(uow)
    return _render(ctx, Form(_values(have)))


def _same(raw: str, have: str | None) -> bool:
    """Whether what was typed is the value the garage has (a limit not set is 0)."""
    try:
        return Decimal(ascii_digits(raw or "0").replace("٫", ".")) == Decimal(have or "0")
    except InvalidOperation:
        return False


def _fees(form: Form, ctx: Ctx, currency: str, rows: int) -> list[dict[str, str]]:
    fees = []
    for i in range(rows):
        row = {c: form.get(f"fee{i}_{c}") for c in FEE_COLUMNS}
        if not (row["name_en"] or row["name_ar"] or row["amount"]):
            continue
        for c in ("name_en", "name_ar", "amount"):
            if not row[c]:
                form.errors[f"fee{i}_{c}"] = ctx.text("console.error.required")
        try:
            row["amount"] = str(parse_amount(row["amount"], currency, allow_zero=False).amount)
        except InvalidInput as exc:
            form.errors.setdefault(f"fee{i}_amount", ctx.text(exc.key, **exc.params))
        fees.append({**row, "kind": (row["kind"] or "fee").upper()})
    return fees


def _changes(form: Form, ctx: Ctx, have: BillingConfig, currency: str) -> list[tuple[str, dict[str, object]]]:
    """(field shown beside, configure_billing arguments) for each value that differs."""
    out: list[tuple[str, dict[str, object]]] = []
    if not _same(form.get("labour_rate"), have.labour_rate):
        out.append(("labour_rate", {"labour_rate": form.get("labour_rate") or "0"}))
    if form.get("billing_mode") != have.billing_mode:
        out.append(("billing_mode", {"billing_mode": form.get("billing_mode")}))
    try:
        days = whole_number(form.get("quote_valid_days"), "records.error.whole_number")
        if days != have.quote_valid_days:
            out.append(("quote_valid_days", {"quote_valid_days": days or 0}))
    except InvalidInput as exc:
        form.errors["quote_valid_days"] = ctx.text(exc.key, **exc.params)
    for prefix, given, argument in (("tax", have.tax_rates, "tax_rates"), ("limit", have.discount_limits,
                                                                           "discount_limits")):
        wanted = {n[len(prefix) + 1:]: form.get(n) or "0" for n in form.values if n.startswith(prefix + "_")}
        current = dict(given or ())
        if any(not _same(v, current.get(k)) for k, v in wanted.items()):
            out.append((prefix, {argument: wanted}))
    fees = _fees(form, ctx, currency, int(form.get("fees") or 0))
    if not form.errors and _fee_key(fees) != _fee_key(
            [{"kind": f.kind, "name_en": f.name_en, "name_ar": f.name_ar, "amount": f.amount}
             for f in have.default_fees or ()]):
        out.append(("fees", {"default_fees": fees}))
    return out


def _fee_key(fees: list[dict[str, str]]) -> list[tuple[str, str, str, Decimal]]:
    return [(f["kind"].upper(), f["name_en"], f["name_ar"], Decimal(f["amount"])) for f in fees]


def _beside(form: Form, field: str, exc: DomainError) -> str:
    """The field a refused value is shown beside: for a list of rates, the one typed as the error's value."""
    if field in ("tax", "limit"):
        value = str(exc.params.get("value", ""))
        return next((n for n, v in form.values.items() if n.startswith(field + "_") and v == value),
                    "__form__")
    return "fees_top" if field == "fees" else field


@page(Permission.MANAGE_GARAGE)
async def save(ctx: Ctx) -> web.StreamResponse:
    posted = await ctx.request.post()
    rows = str(posted.get("fees", ""))
    form = await Form.read(ctx.request, _names(min(int(rows), 20) if rows.isdigit() else FEE_ROWS_BLANK))
    try:
        async with deps(ctx.request).db.unit_of_work(ctx.me.actor) as uow:
            org = await uow.organization()
            for field, change in _changes(form, ctx, await billing_config(uow), org.currency):
                try:
                    await configure_billing(uow, **change)  # type: ignore[arg-type]
                except DomainError as exc:
                    form.errors[_beside(form, field, exc)] = ctx.text(exc.key, **exc.params)
            if form.errors:
                raise _Refused
    except _Refused:
        return _render(ctx, form, status=400)
    raise redirect("/settings/billing", "saved")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/settings/billing", show)
    app.router.add_post("/settings/billing", save)
