"""CLI tools beyond administration: Telegram link codes, the stock check and
``garagebot chat``, a terminal chat with the same conversation engine."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import Settings
from garagebot.conversations.client.engine import ClientEngine
from garagebot.conversations.client.types import ClientServices, LinkSettings
from garagebot.conversations.types import Inbound, Outcome
from garagebot.core.actor import Actor
from garagebot.core.clientlookup import Garage, garage_by_id
from garagebot.core.enums import Channel
from garagebot.core.errors import InvalidInput, NotFound
from garagebot.core.garage import find_garage
from garagebot.core.ids import OrgId, UserId
from garagebot.core.inventory.verify import organization_ids, verify_stock
from garagebot.core.linking import make_link_code
from garagebot.core.models import Organization, User
from garagebot.core.normalize import phone_e164
from garagebot.core.ports import MessageTransport, OutboundMessage, SendResult
from garagebot.core.uow import Database


async def link_code(settings: Settings, args: argparse.Namespace) -> int:
    """Print a one-time code the user sends to the bot as /start CODE."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        async with rt.db.read() as session:
            user = await session.get(User, args.user)
        if user is None:
            raise NotFound("error.not_found", entity="user_account", id=args.user)
        org = OrgId(user.organization_id)
        async with rt.db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
            code = await make_link_code(uow, UserId(user.id))
    print(code)
    print(f"{user.name} sends /start {code} to the bot (valid 24 hours, once).", file=sys.stderr)
    return 0


async def stock_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Recompute stock from the ledger; exit 1 and list every drift."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        if args.org:
            orgs = [int((await find_garage(rt.db, args.org)).id)]
        else:
            async with rt.db.read() as session:
                orgs = await organization_ids(session)
        drifts = []
        async with rt.db.read() as session:
            for org in orgs:
                drifts.extend(await verify_stock(session, org))
    for d in drifts:
        where = f" location {d.location_id}" if d.location_id is not None else ""
        print(f"garage {d.organization_id} item {d.sku}{where}: {d.check} recorded {d.recorded}, "
              f"ledger implies {d.expected}")
    if drifts:
        return 1
    print(f"stock matches the ledger in {len(orgs)} garage(s)")
    return 0


@dataclass
class ConsoleTransport:
    """Prints the messages for one chat, buttons as numbered choices; passes the
    rest to the transport that was there before."""

    recipient: str
    fallback: MessageTransport
    write: Callable[[str], None]
    choices: list[str] = field(default_factory=list)

    async def send(self, message: OutboundMessage) -> SendResult:
        target = message.recipient.rsplit(":", 1)[0].removeprefix("edit:")
        if target != self.recipient and message.recipient != self.recipient:
            return await self.fallback.send(message)
        lines = [message.text]
        if message.choices:
            self.choices = [choice_id for choice_id, _ in message.choices]
            lines += [f"  {i}. {label}" for i, (_, label) in enumerate(message.choices, 1)]
        self.write("\n".join(lines) + "\n")
        return SendResult(f"console-{message.outbox_id}")


def _inbound(channel: Channel, sender: str, line: str, choices: list[str]) -> Inbound:
    """A typed line as the channel would deliver it: a number picks a shown choice."""
    text = line.strip()
    pick = int(text) if text.isdigit() else 0
    choice = choices[pick - 1] if 0 < pick <= len(choices) else None
    return Inbound(
        channel=channel, provider="cli", event_id=uuid.uuid4().hex, sender=sender,
        received_at=dt.datetime.now(dt.UTC), text="" if choice else text, choice=choice,
    )


def _chat_target(raw: str, channel: str | None) -> tuple[Channel, str] | str:
    """(channel, sender) for ``--as``; a message when it cannot be one. Digits
    alone are a Telegram user id; a number starting with + or 0 is a client's
    phone (WhatsApp unless ``--channel sms``)."""
    value = raw.strip()
    if channel in (None, "telegram") and value.isdigit() and not value.startswith("0"):
        return Channel.TELEGRAM, value
    if channel == "telegram":
        return "--as takes a staff member's Telegram user id (digits)"
    try:
        phone = phone_e164(value)
    except InvalidInput:
        return "--as takes a staff member's Telegram user id or a client's phone number like +962791234567"
    return (Channel.SMS if channel == "sms" else Channel.WHATSAPP), phone


async def chat(settings: Settings, args: argparse.Namespace) -> int:
    """Chat with the engine as a linked member of staff (``--as`` their Telegram
    id) or as a client writing to a garage (``--as`` their phone; ``--org`` the
    garage when there are several). Replies go through the real outbox and
    renderer, printed here."""
    target = _chat_target(str(args.as_), getattr(args, "channel", None))
    if isinstance(target, str):
        print(f"garagebot chat: {target}", file=sys.stderr)
        return 2
    channel, sender = target
    async with open_runtime(settings, in_process_drain=False) as rt:
        garage = None
        if channel is not Channel.TELEGRAM:
            garage = await _chat_garage(rt.db, getattr(args, "org", None))
            if garage is None:
                print("garagebot chat: name the garage with --org SLUG", file=sys.stderr)
                return 2
        console = ConsoleTransport(sender, rt.transports.get(channel), _write)
        rt.transports.set(channel, console)
        client_engine = ClientEngine(rt.db, ClientServices(
            rt.translator, LinkSettings(settings.base_url, settings.secret()), rt.storage))
        _write("Type a message (a number picks a choice; Ctrl+D to leave).\n")
        while True:
            try:
                line = await asyncio.to_thread(input, "> ")
            except EOFError:
                return 0
            if not line.strip():
                continue
            if garage is None:
                handled = await rt.engine.handle(_inbound(channel, sender, line, console.choices))
                if handled.outcome is Outcome.REFUSED:
                    _write("(this Telegram id is not linked to any member of staff)\n")
            else:
                # Clients answer numbered options by typing the number, as on SMS.
                await client_engine.handle(garage, _inbound(channel, sender, line, []))
            await rt.dispatcher.drain()


async def _chat_garage(db: Database, slug: str | None) -> Garage | None:
    """The garage named by ``slug``, or the only one there is."""
    if slug:
        ref = await find_garage(db, slug)
        async with db.read() as session:
            return await garage_by_id(session, ref.id)
    async with db.read() as session:
        ids = (await session.execute(select(Organization.id).limit(2))).scalars().all()
        return await garage_by_id(session, ids[0]) if len(ids) == 1 else None


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


AsyncCommand = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
RunAsync = Callable[[AsyncCommand], Callable[[Settings, argparse.Namespace], int]]


def add_tool_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run_async: RunAsync) -> None:
    p = sub.add_parser("link-code", help="make a one-time Telegram link code for a user",
                       description="Print a one-time code; the user sends /start CODE to the bot.")
    p.add_argument("--user", type=int, required=True, metavar="ID", help="the user's id")
    p.set_defaults(run=run_async(link_code))
    stock = sub.add_parser("stock", help="stock tools", description="Stock tools.")
    stock_sub = stock.add_subparsers(dest="stock_command", required=True, metavar="COMMAND")
    v = stock_sub.add_parser("verify", help="recompute stock from the ledger",
                             description="Recompute on-hand and reserved from the ledger; exit 1 "
                             "and list every drift.")
    v.add_argument("--org", metavar="SLUG", help="only this garage")
    v.set_defaults(run=run_async(stock_verify))
    c = sub.add_parser("chat", help="chat with the bot in the terminal",
                       description="A terminal chat with the same engine as Telegram; buttons "
                       "are shown as numbered choices.")
    c.add_argument("--as", dest="as_", required=True, metavar="TELEGRAM_ID|PHONE",
                   help="a linked staff member's Telegram user id, or a client's phone (+962…, 07…)")
    c.add_argument("--channel", choices=("telegram", "whatsapp", "sms"),
                   help="the channel (default: telegram for an id, whatsapp for a phone)")
    c.add_argument("--org", metavar="SLUG",
                   help="the garage a client writes to (needed when there are several)")
    c.set_defaults(run=run_async(chat))
