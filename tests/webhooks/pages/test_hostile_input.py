"""Issue 11 (1.5, 1.9) on the approval page: text the database cannot store
in the signer's name or the browser's headers, and form bodies that are not
UTF-8, are a page (stored cleaned, or refused), never a 500."""

from __future__ import annotations

from urllib.parse import quote_plus

from sqlalchemy import select

from garagebot.core.models import QuoteApproval
from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.fakes import MemoryFileStorage
from tests.webhooks.pages.conftest import Client
from tests.webhooks.pages.scene import quoted_visit
from tests.webhooks.pages.test_approval_page import submission
from tests.webhooks.rawhttp import raw_request


async def signer(db: Database, quote_id: int) -> str | None:
    async with db.read() as s:
        return (await s.scalars(select(QuoteApproval.signer_name).where(
            QuoteApproval.quote_id == quote_id))).one_or_none()


async def test_a_nul_in_the_signers_name_is_stored_without_it(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    data = submission(await (await client.get(path)).text(), name="Lina\x00 Haddad")
    done = await client.post(path, data=data)
    assert done.status == 200
    assert await signer(db, v.quote_id) == "Lina Haddad"


async def test_bytes_that_are_not_utf8_in_the_form_or_headers_get_a_page_not_a_500(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    data = submission(await (await client.get(path)).text())
    encoded = "&".join(f"{k}={quote_plus(val)}" for k, val in data.items() if k != "name").encode()
    headers = {b"Content-Type": b"application/x-www-form-urlencoded", b"User-Agent": b"Bad\xff\xfe"}
    for raw in (b"Lina%ED%A0%80", b"\xff\xfe", b"Lina%00"):
        status = await raw_request(client, "POST", path.encode(), headers, encoded + b"&name=" + raw)
        assert status < 500, raw
    name = await signer(db, v.quote_id)
    assert name is not None
    assert "\x00" not in name
