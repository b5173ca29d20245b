"""The quote (one version) as the client reads it: the lines with their
decision, the totals, how long it is valid."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from garagebot.core.billing.views import QuoteView, quote_view
from garagebot.core.documents import parties
from garagebot.core.documents.invoice import party_lines
from garagebot.core.documents.parties import Visit
from garagebot.core.documents.profile import GarageProfile
from garagebot.core.documents.sheet import Column, Sheet, Total
from garagebot.core.documents.text import DocText
from garagebot.core.ids import OrgId, QuoteId


async def load_quote(
    session: AsyncSession, org_id: int, quote_id: int
) -> tuple[QuoteView, Visit, GarageProfile]:
    view = await quote_view(session, OrgId(org_id), QuoteId(quote_id))
    return view, await parties.visit(session, org_id, view.session_id), await parties.garage(session, org_id)


def quote_sheet(view: QuoteView, visit: Visit, text: DocText) -> Sheet:
    facts = [(text("documents.fact.version"), str(view.version)), (text("documents.fact.vehicle"), visit.car)]
    if view.expires_at is not None:
        facts.insert(0, (text("documents.fact.valid_until"), text.day(view.expires_at)))
    rows = tuple(
        (
            text.pick(ln.description_en, ln.description_ar),
            text.number(ln.quantity),
            text.money(ln.unit_price),
            text.money(ln.total),
            text(f"documents.decision.{ln.decision.value}"),
        )
        for ln in view.lines
    )
    totals = [Total(text("documents.total.subtotal"), text.money(view.subtotal))]
    if not view.discount_total.is_zero():
        totals.append(Total(text("documents.total.discount"), text.money(-view.discount_total)))
    totals += [
        Total(text("documents.total.tax"), text.money(view.tax_total)),
        Total(text("documents.total.total"), text.money(view.total), strong=True),
    ]
    return Sheet(
        title=text("documents.title.quote"),
        number=visit.number,
        facts=tuple(facts),
        party_title=text("documents.party.quote_for"),
        party=party_lines(text, visit.client),
        columns=(
            Column(text("documents.col.description"), 6),
            Column(text("documents.col.quantity"), 1.2, True),
            Column(text("documents.col.unit_price"), 2.3, True),
            Column(text("documents.col.total"), 2.5, True),
            Column(text("documents.col.decision"), 2.2),
        ),
        rows=rows,
        totals=tuple(totals),
        notes=(text("documents.quote_note"), text("documents.thanks")),
    )
