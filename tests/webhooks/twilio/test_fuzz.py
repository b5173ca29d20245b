"""Property tests of POST /webhooks/twilio/{sms,whatsapp} (issue 11, point
3): a correctly signed form of any fields, values or bytes is never a 500,
and a signed SMS is always recorded, whatever its text."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus

from hypothesis import given
from hypothesis import strategies as st

from tests.conversations.client.harness import PUBLIC_URL
from tests.webhooks.fuzzing import FUZZ, any_text, raw_bytes, texts
from tests.webhooks.rawhttp import raw_request
from tests.webhooks.twilio.conftest import TwilioHarness, form, twilio_signature
from tests.webhooks.twilio.fake_api import AUTH_TOKEN

SMS = "/webhooks/twilio/sms"
SENDER = "+962790000124"


def encoded(fields: dict[str, str]) -> bytes:
    """The form body, any text (lone surrogates too) as the UTF-8 bytes a sender would put there."""
    return "&".join(f"{quote_plus(k.encode('utf-8', 'surrogatepass'))}="
                    f"{quote_plus(v.encode('utf-8', 'surrogatepass'))}" for k, v in fields.items()).encode()


async def post_signed(twilio: TwilioHarness, path: str, body: bytes) -> int:
    """Signed over the form as it decodes (what Twilio signs is what it sent)."""
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        fields = {}
    signature = twilio_signature(AUTH_TOKEN, f"{PUBLIC_URL}{path}", fields)
    headers = {b"Content-Type": b"application/x-www-form-urlencoded",
               b"X-Twilio-Signature": signature.encode()}
    return await raw_request(twilio.client, "POST", path.encode(), headers, body)


@FUZZ
@given(body=raw_bytes, path=st.sampled_from([SMS, "/webhooks/twilio/whatsapp", "/webhooks/twilio/status"]))
async def test_any_signed_body_is_never_a_500(twilio: TwilioHarness, body: bytes, path: str) -> None:
    assert await post_signed(twilio, path, body) < 500


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(["Body", "From", "To", "NumMedia", "MediaUrl0", "Latitude",
                                                "Longitude", "ButtonPayload", "MessageSid", "AccountSid",
                                                "MessageStatus", "ErrorCode"]) | any_text, texts, max_size=5),
       path=st.sampled_from([SMS, "/webhooks/twilio/whatsapp", "/webhooks/twilio/status"]))
async def test_any_signed_form_is_never_a_500(
    twilio: TwilioHarness, changes: dict[str, str], path: str
) -> None:
    fields = form("sms_text", From=SENDER, To=twilio.scene.sms)
    fields.update(changes)
    assert await post_signed(twilio, path, encoded(fields)) < 500


@FUZZ
@given(text=texts)
async def test_a_signed_sms_is_recorded_whatever_its_text(twilio: TwilioHarness, text: str) -> None:
    fields = form("sms_text", From=SENDER, To=twilio.scene.sms, Body=text)
    assert await post_signed(twilio, SMS, encoded(fields)) == 200
    assert await twilio.inbound_count(fields["MessageSid"]) == 1
