"""The session page after billing: the invoice with what is paid and still
due, and each payment with its receipt and method, in English and Arabic."""

from __future__ import annotations

from pathlib import Path

from garagebot.app.storage import LocalFileStorage
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.admin_web.scene import signed_visit
from tests.conftest import Staff


async def test_the_session_page_shows_the_invoice_and_its_payments(
    browser: Browser, db: Database, staff: Staff, tmp_path: Path
) -> None:
    v = await signed_visit(db, staff, LocalFileStorage(tmp_path / "media"))
    async with db.unit_of_work(staff.advisor) as uow:
        invoice_id = await create_invoice(uow, v.session_id)
        await issue_invoice(uow, invoice_id)
        await record_payment(uow, invoice_id, "10.500", "CASH")
    await browser.sign_in(await give_password(db, staff.accountant))
    status, body = await browser.get(f"/sessions/{v.session_id}")
    assert status == 200
    assert html_problems(body) == []
    assert "Partly paid" in body
    payments = body.split("<th scope=\"col\">Receipt</th>", 1)[1].split("</table>", 1)[0]
    assert "10.500" in payments
    assert "Cash" in payments
    await browser.post("/lang", {"lang": "ar", "next": "/"})
    _, body = await browser.get(f"/sessions/{v.session_id}")
    assert "مدفوعة جزئيًا" in body
    assert "نقدًا" in body
    assert html_problems(body) == []
