"""A client's messaging preferences: consent and language.

Consent: a client opts out with STOP (or "توقف", "إلغاء" …) and back in with
START ("ابدأ").

``consent_keyword`` reads a whole message as the carriers do (case-insensitive,
surrounding space and punctuation ignored, never a keyword inside a sentence).
``set_messaging_consent`` is the service (audited, one event). While a client
is opted out, nothing but the confirmation of that is sent to them: the client
transports check ``may_message`` before every send.
"""

from __future__ import annotations

import re
from enum import StrEnum

from garagebot.core.enums import ActorKind, Locale
from garagebot.core.errors import InvalidInput, PermissionDenied
from garagebot.core.ids import ClientId
from garagebot.core.models import Client
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork


class ConsentChange(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


# Twilio's standard opt-out and opt-in keywords, and their usual Arabic forms
# (compared after folding alef variants, so "الغاء" and "إلغاء" are one word).
OPT_OUT_WORDS = frozenset({
    "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "opt out",
    "توقف", "الغاء", "الغاء الاشتراك", "اوقف", "اوقف الرسائل", "لا ترسل",
})
OPT_IN_WORDS = frozenset({"start", "unstop", "subscribe", "ابدا", "اشترك"})
# Twilio also opts a client back in on "yes"; only an opted-out client's "yes" counts.
OPT_IN_WHEN_OUT = frozenset({"yes", "نعم"})

# The only messages an opted-out client may still receive.
OPTED_OUT_KEY = "client.consent_opted_out"
OPTED_IN_KEY = "client.consent_opted_in"
CONFIRMATION_KEYS = frozenset({OPTED_OUT_KEY, OPTED_IN_KEY})

_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})
_EDGES = re.compile(r"^[\s.!?؟،,:;\-]+|[\s.!?؟،,:;\-]+$")
_DIACRITICS = re.compile("[\u064b-\u0652\u0640]")


def _fold(text: str) -> str:
    value = _DIACRITICS.sub("", clean_text(text)).translate(_FOLD).casefold()
    return " ".join(_EDGES.sub("", value).split())


def consent_keyword(text: str, *, opted_out: bool = False) -> ConsentChange | None:
    """The consent change a whole message asks for, or None."""
    word = _fold(text)
    if word in OPT_OUT_WORDS:
        return ConsentChange.OPT_OUT
    if word in OPT_IN_WORDS or (opted_out and word in OPT_IN_WHEN_OUT):
        return ConsentChange.OPT_IN
    return None


def may_message(consent: bool, key: str) -> bool:
    """Whether a message with ``key`` may go to a client whose consent is ``consent``."""
    return consent or key in CONFIRMATION_KEYS


async def _own_client(uow: UnitOfWork, client_id: ClientId) -> Client:
    """The client, when the actor is that client or staff who do intake."""
    if uow.actor.kind is ActorKind.CLIENT:
        if uow.actor.id != client_id:
            raise PermissionDenied("error.not_your_account")
    else:
        await uow.require(Permission.INTAKE)
    return await uow.get(Client, client_id, lock=True)


async def set_messaging_consent(
    uow: UnitOfWork, client_id: ClientId, consent: bool, *, keyword: str | None = None
) -> bool:
    """Record the client's consent to messages; True when it changed.

    The client may change their own (by keyword, in their chat); staff who do
    intake may change it for them (a request at the desk)."""
    client = await _own_client(uow, client_id)
    if client.messaging_consent is consent:
        return False
    client.messaging_consent = consent
    change = ConsentChange.OPT_IN if consent else ConsentChange.OPT_OUT
    await uow.audit("client", client.id, f"messaging_{change.value}",
                    before={"messaging_consent": not consent},
                    after={"messaging_consent": consent, "keyword": keyword,
                           "channel": uow.actor.channel.value})
    topic = "client.opted_in" if consent else "client.opted_out"
    uow.emit(topic, {"client_id": client.id, "channel": uow.actor.channel.value})
    return True


async def set_client_locale(uow: UnitOfWork, client_id: ClientId, locale: str) -> bool:
    """The language the client's messages are written in; True when it changed."""
    if locale not in Locale._value2member_map_:
        raise InvalidInput("error.invalid_choice", value=locale)
    client = await _own_client(uow, client_id)
    if client.locale == locale:
        return False
    before = client.locale
    client.locale = locale
    await uow.audit("client", client.id, "locale", before={"locale": before},
                    after={"locale": locale, "channel": uow.actor.channel.value})
    return True
