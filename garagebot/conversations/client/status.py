"""Answers about the client's car: where it is (status, ETA, timeline link),
the pick-up PIN, the menu, and the language."""

from __future__ import annotations

from garagebot.conversations.client.types import ClientCtx, ClientStep, reply
from garagebot.conversations.types import Reply
from garagebot.core.clientlookup import ClientVisit
from garagebot.core.consent import set_client_locale
from garagebot.core.enums import Locale, SessionStatus
from garagebot.core.i18n import short_when
from garagebot.core.links import timeline_url
from garagebot.core.ports import Choice

# The PIN is only handed out while the car is still with the garage.
PIN_STATUSES = frozenset({SessionStatus.READY_FOR_PICKUP, SessionStatus.COMPLETED})

STATUS_CHOICE = "c:status"
QUOTE_CHOICE = "c:quote"
PIN_CHOICE = "c:pin"
LANGUAGE_CHOICE = "c:lang"
LANGUAGE_PREFIX = "lang:"


def car(visit: ClientVisit) -> str:
    """The plate with make and model when known ("12-34567 Toyota Corolla")."""
    return " ".join(p for p in (visit.plate, visit.make, visit.model) if p)


def when(ctx: ClientCtx, value: object) -> str:
    import datetime as dt

    assert isinstance(value, dt.datetime)
    return short_when(value, ctx.garage.timezone, ctx.locale)


def status_reply(ctx: ClientCtx) -> ClientStep:
    """Status, ETA and the timeline link of the client's current visit."""
    visit = ctx.visit
    if visit is None:
        return reply(Reply("client.no_visit"))
    links = ctx.services.links
    params = {
        "car": car(visit), "number": visit.number,
        "status": ctx.text(f"client.state.{visit.status.value.lower()}"),
        "eta": when(ctx, visit.eta) if visit.eta else ctx.text("client.eta_unknown"),
        "link": timeline_url(links.public_url, links.secret, visit.session_id, now=ctx.now),
    }
    if visit.status is SessionStatus.DELIVERED:
        return reply(Reply("client.status_delivered", params))
    return reply(Reply("client.status", params))


def pin_reply(ctx: ClientCtx) -> ClientStep:
    visit = ctx.visit
    if visit is None or visit.status not in PIN_STATUSES:
        return reply(Reply("client.pin_not_ready"))
    return reply(Reply("client.pin", {"pin": visit.delivery_pin, "car": car(visit)}))


async def menu_reply(ctx: ClientCtx) -> ClientStep:
    """A greeting with what the client can do now, as buttons (or numbers)."""
    choices = [Choice(STATUS_CHOICE, "client.choice_status")]
    visit = ctx.visit
    if visit is not None and visit.pending_quote is not None:
        choices.append(Choice(QUOTE_CHOICE, "client.choice_quote"))
    if visit is not None and visit.status in PIN_STATUSES:
        choices.append(Choice(PIN_CHOICE, "client.choice_pin"))
    choices.append(Choice(LANGUAGE_CHOICE, "client.choice_language"))
    name = ctx.client.name if ctx.client else ""
    return reply(Reply("client.menu", {"name": name, "garage": ctx.garage.name(ctx.locale)},
                       tuple(choices)))


def language_question() -> ClientStep:
    choices = (Choice(f"{LANGUAGE_PREFIX}en", "client.language_en"),
               Choice(f"{LANGUAGE_PREFIX}ar", "client.language_ar"))
    return reply(Reply("client.language_prompt", {}, choices))


async def switch_language(ctx: ClientCtx, locale: str) -> ClientStep:
    """Reply in ``locale`` from now on (stored on the client when known)."""
    if locale not in Locale._value2member_map_:
        return language_question()
    if ctx.client is not None:
        await set_client_locale(ctx.uow, ctx.client.id, locale)
    data = {**ctx.data, "lang": locale}
    return ClientStep((Reply("client.language_set"),), None, data, True, locale)
