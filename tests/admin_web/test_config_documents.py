"""The owner sets the garage's details printed on its documents (address in
both languages, phone, tax number) from the console; a wrong tax number is
refused beside its field with what was typed kept, and the next invoice PDF
prints what was saved. In English and Arabic."""

from __future__ import annotations

from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, give_password
from tests.admin_web.htmlcheck import html_problems
from tests.conftest import Staff
from tests.core.documents.pdf import pdf_text
from tests.core.documents.scene import build


async def test_the_owner_sets_the_details_the_documents_print(
    browser: Browser, db: Database, staff: Staff
) -> None:
    scene = await build(db, staff)
    await browser.sign_in(await give_password(db, staff.owner))
    status, body = await browser.get("/settings/documents")
    assert status == 200
    assert html_problems(body) == []
    status, body, _ = await browser.post("/settings/documents", {
        "address_en": "Mecca Street 12, Amman", "address_ar": "شارع مكة ١٢، عمّان",
        "phone": "0791234567", "tax_number": "12AB"})
    assert status == 400
    assert "is not a tax number" in body
    assert 'value="Mecca Street 12, Amman"' in body  # what was typed is kept
    assert html_problems(body) == []
    status, _, location = await browser.post("/settings/documents", {
        "address_en": "Mecca Street 12, Amman", "address_ar": "شارع مكة ١٢، عمّان",
        "phone": "0791234567", "tax_number": "1234567"})
    assert (status, location.split("?")[0]) == (303, "/settings/documents")
    pdf = await browser.client.get(f"/documents/invoice/{scene.invoice_id}.pdf?lang=en")
    text = pdf_text(await pdf.read())
    assert "Mecca Street 12, Amman" in text
    assert "1234567" in text
    await browser.post("/lang", {"lang": "ar", "next": "/"})
    _, body = await browser.get("/settings/documents")
    assert "الرقم الضريبي" in body
    assert html_problems(body) == []
