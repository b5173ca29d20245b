"""The console's document downloads: each role gets the documents it may
(billing documents: owner, manager, advisor, accountant; supplier documents:
owner, manager, inventory, accountant) and a 403 otherwise; another garage's
member gets a 404 for every one; the session page links to them."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from garagebot.app.web import create_app
from garagebot.core.uow import Database
from tests.admin_web.harness import Browser, MakeClient, give_password
from tests.app.conftest import app_settings
from tests.conftest import Staff, make_staff, new_garage
from tests.core.documents.pdf import pdf_text
from tests.core.documents.scene import Scene, build
from tests.fakes import FakeClock

BILLERS = {"owner", "manager", "advisor", "accountant"}
BUYERS = {"owner", "manager", "inventory", "accountant"}
ROLES = ("owner", "manager", "advisor", "lead", "tech", "assistant", "inventory", "accountant")


def documents(scene: Scene) -> list[tuple[str, set[str]]]:
    return [(f"/documents/invoice/{scene.invoice_id}.pdf", BILLERS),
            (f"/documents/invoice/{scene.invoice_id}.xml", BILLERS),
            (f"/documents/quote/{scene.quote_id}.pdf", BILLERS),
            (f"/documents/receipt/{scene.payment_id}.pdf", BILLERS),
            (f"/documents/credit-note/{scene.credit_note_id}.pdf", BILLERS),
            (f"/documents/client-statement/{scene.client_id}.pdf", BILLERS),
            (f"/documents/fleet-statement/{scene.fleet_id}.pdf", BILLERS),
            (f"/documents/purchase-order/{scene.order_id}.pdf", BUYERS),
            (f"/documents/supplier-statement/{scene.supplier_id}.pdf?from=2026-11-01&to=2026-11-30", BUYERS)]


async def browser_for(aiohttp_client: MakeClient, db: Database, db_url: str, folder: Path, clock: FakeClock,
                      login: str) -> Browser:
    app: web.Application = create_app(app_settings(db_url, folder), clock=clock)
    browser = Browser(await aiohttp_client(app))
    assert (await browser.sign_in(login))[0] == 303
    return browser


async def test_each_role_gets_the_documents_it_may_and_403_otherwise(
    aiohttp_client: MakeClient, db: Database, db_url: str, staff: Staff, tmp_path: Path, clock: FakeClock
) -> None:
    scene = await build(db, staff)
    for role in ROLES:
        browser = await browser_for(aiohttp_client, db, db_url, tmp_path / role, clock,
                                    await give_password(db, getattr(staff, role)))
        for path, roles in documents(scene):
            response = await browser.client.get(path, allow_redirects=False)
            body = await response.read()
            if role in roles:
                assert response.status == 200, (role, path)
                assert body.startswith(b"%PDF-" if ".pdf" in path else b"<?xml")
            else:
                assert response.status == 403, (role, path)
                assert b"%PDF" not in body


async def test_another_garages_member_gets_404_for_every_document(
    browser: Browser, db: Database, staff: Staff
) -> None:
    scene = await build(db, staff)
    other = await make_staff(db, await new_garage(db))
    await browser.sign_in(await give_password(db, other.owner))
    for path, _ in documents(scene):
        response = await browser.client.get(path, allow_redirects=False)
        assert response.status == 404, path
        assert scene.invoice_number not in await response.text()


async def test_a_document_comes_in_the_asked_language_and_a_draft_has_no_xml(
    browser: Browser, db: Database, staff: Staff
) -> None:
    scene = await build(db, staff)
    await browser.sign_in(await give_password(db, staff.accountant))
    english = await browser.client.get(f"/documents/invoice/{scene.invoice_id}.pdf?lang=en")
    assert "Tax invoice" in pdf_text(await english.read())
    arabic = await browser.client.get(f"/documents/invoice/{scene.invoice_id}.pdf")  # the client reads Arabic
    assert "فاتورة ضريبية" in pdf_text(await arabic.read())
    draft = await browser.client.get(f"/documents/invoice/{scene.draft_invoice_id}.xml")
    assert draft.status == 400
    assert "This invoice has not been issued yet." in await draft.text()


async def test_the_session_page_links_its_quote_invoice_and_receipt_documents(
    browser: Browser, db: Database, staff: Staff
) -> None:
    from garagebot.core.models import Invoice

    scene = await build(db, staff)
    async with db.read() as s:
        session_id = (await s.get(Invoice, scene.invoice_id)).session_id  # type: ignore[union-attr]
    await browser.sign_in(await give_password(db, staff.advisor))
    _, page = await browser.get(f"/sessions/{session_id}")
    for link in (f"/documents/quote/{scene.quote_id}.pdf", f"/documents/invoice/{scene.invoice_id}.pdf",
                 f"/documents/invoice/{scene.invoice_id}.xml", f"/documents/receipt/{scene.payment_id}.pdf"):
        assert f'href="{link}"' in page, link
    tech = Browser(browser.client)
    await browser.client.post("/signout", data={"_csrf": browser.csrf})
    assert (await tech.sign_in(await give_password(db, staff.tech)))[0] == 303
    _, seen_by_tech = await tech.get(f"/sessions/{session_id}")
    assert "/documents/" not in seen_by_tech
