"""Property tests of the approval page's POST /a/{token} (issue 11, point 3):
any form fields, values or bytes get a page, never a 500."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from garagebot.core.uow import Database
from tests.conftest import Staff
from tests.fakes import MemoryFileStorage
from tests.webhooks.fuzzing import FUZZ, any_text, raw_bytes, texts
from tests.webhooks.pages.conftest import Client, form_of
from tests.webhooks.pages.scene import quoted_visit
from tests.webhooks.rawhttp import raw_request
from tests.webhooks.twilio.test_fuzz import encoded

FORM = {b"Content-Type": b"application/x-www-form-urlencoded"}


@settings(FUZZ, max_examples=10)  # each example prices a quote of its own
@given(data=st.data())
async def test_any_approval_form_gets_a_page_never_a_500(
    client: Client, db: Database, staff: Staff, storage: MemoryFileStorage, data: st.DataObject
) -> None:
    v = await quoted_visit(db, staff, storage)
    path = v.approval_path(db)
    page = form_of(await (await client.get(path)).text())
    fields = dict(page.fields)
    names = st.sampled_from(["name", "signature", "hash", "nonce", "lang", *page.lines]) | any_text
    fields.update(data.draw(st.dictionaries(names, texts | st.sampled_from(["APPROVED", "DECLINED"]),
                                            max_size=6)))
    body = encoded(fields)
    assert await raw_request(client, "POST", path.encode(), FORM, body) < 500
    assert await raw_request(client, "POST", path.encode(), FORM, data.draw(raw_bytes)) < 500
