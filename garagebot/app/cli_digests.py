"""``garagebot digest send --org SLUG [--kind daily|weekly]``.

Without ``--kind``: queue the garage's digests that are due now (what the
scheduler runs every 15 minutes). With ``--kind``: queue that digest of the
period ending today to every owner and manager who has it on, whatever its
time. Either way each digest goes once per person and period.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import Any

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import Settings
from garagebot.core.digests.schedule import DigestKind
from garagebot.core.digests.send import run_due_digests, send_now
from garagebot.core.garage import find_garage

AsyncCommand = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
RunAsync = Callable[[AsyncCommand], Callable[[Settings, argparse.Namespace], int]]


async def digest_send(settings: Settings, args: argparse.Namespace) -> int:
    async with open_runtime(settings, in_process_drain=False) as rt:
        ref = await find_garage(rt.db, args.org)
        now = rt.db.clock.now()
        if args.kind is None:
            queued = await run_due_digests(rt.db, ref.id, now, storage=rt.storage)
        else:
            queued = await send_now(rt.db, ref.id, now, DigestKind(args.kind), storage=rt.storage)
    print(f"{queued} digest(s) queued for {args.org}")
    return 0


def add_digest_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], run_async: RunAsync) -> None:
    p = sub.add_parser("digest", help="KPI digests to owners and managers",
                       description="KPI digests to owners and managers on Telegram.")
    inner = p.add_subparsers(dest="digest_command", required=True)
    send = inner.add_parser("send", help="queue the garage's digests that are due (or one kind now)",
                            description="Queue the digests due now; with --kind, that digest of the "
                            "period ending today. Each goes once per person and period.")
    send.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    send.add_argument("--kind", choices=[k.value for k in DigestKind], help="send this digest now")
    send.set_defaults(run=run_async(digest_send))
