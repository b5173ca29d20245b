"""The ``garagebot`` command line.

Settings are read when a command runs (never at import). Failures a user can
cause end with one line on stderr and exit code 2: a bad setting, a domain
error (rendered in English from the catalogs), an unreachable or unmigrated
database. ``audit verify`` exits 1 when a chain is broken.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy.exc import DBAPIError

from garagebot.app import commands
from garagebot.app.cli_config import add_config_parsers
from garagebot.app.cli_digests import add_digest_parsers
from garagebot.app.cli_jobs import add_jobs_parsers
from garagebot.app.cli_reports import add_report_parsers
from garagebot.app.cli_tools import add_tool_parsers
from garagebot.app.logs import configure_logging
from garagebot.app.settings import Settings, SettingsError, load_settings
from garagebot.core.enums import Locale, Role, Skill
from garagebot.core.errors import DomainError
from garagebot.core.i18n import Translator

log = logging.getLogger("garagebot")

Command = Callable[[Settings, argparse.Namespace], int]
AsyncCommand = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _run_async(command: AsyncCommand) -> Command:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        return asyncio.run(command(settings, args))

    return run


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from garagebot.app.migrate import upgrade

    asyncio.run(upgrade(settings.database_url, args.revision))
    print(f"database at revision {args.revision}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from garagebot.app.server import serve

    serve(settings)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.redis_url:
        print(
            "garagebot worker: GARAGEBOT_REDIS_URL is not set; without Redis the outbox is "
            "drained inside `garagebot serve`, so no worker is needed",
            file=sys.stderr,
        )
        return 2
    from garagebot.app.worker import run_worker

    asyncio.run(run_worker(settings))
    return 0


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from garagebot.app.server import run_demo

    run_demo(settings)
    return 0


def _add_numbers(p: argparse.ArgumentParser, *, clearing: bool) -> None:
    extra = " (\"\" clears it)" if clearing else ""
    p.add_argument("--sms-number", dest="sms_number", help=f"Twilio SMS number{extra}")
    p.add_argument("--whatsapp-number", dest="whatsapp_number",
                   help=f"WhatsApp business number{extra}")
    p.add_argument("--meta-phone-number-id", dest="meta_phone_number_id",
                   help=f"Meta WhatsApp Cloud phone-number id{extra}")


def _org_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("create-org", help="create a garage (prints its id)",
                       description="Create a garage with its audit chain; prints the new id.")
    p.add_argument("--slug", required=True, help="short unique name, e.g. amman-east")
    p.add_argument("--name-en", required=True, help="name in English")
    p.add_argument("--name-ar", required=True, help="name in Arabic")
    p.add_argument("--timezone", help="IANA zone (default: GARAGEBOT_TIMEZONE)")
    p.add_argument("--currency", help="ISO 4217 code (default: GARAGEBOT_CURRENCY)")
    p.add_argument("--languages", default="en,ar", help="comma-separated, from en,ar")
    p.add_argument("--default-locale", choices=[x.value for x in Locale],
                   help="default language (default: GARAGEBOT_DEFAULT_LOCALE)")
    _add_numbers(p, clearing=False)
    p.set_defaults(run=_run_async(commands.create_org))

    org = sub.add_parser("org", help="change a garage", description="Change a garage's settings.")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="COMMAND")
    s = org_sub.add_parser("set", help="change provider numbers or time zone",
                           description="Change a garage's provider numbers or time zone.")
    s.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    s.add_argument("--timezone", help="IANA zone, e.g. Asia/Amman")
    _add_numbers(s, clearing=True)
    s.set_defaults(run=_run_async(commands.org_set))
    add_config_parsers(org_sub, _run_async)


def _user_and_audit_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("create-user", help="add a member of staff (prints the id)",
                       description="Add a member of staff to a garage; prints the new user's id.")
    p.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--phone", help="mobile number, local or +international")
    p.add_argument("--language", default="en", choices=[x.value for x in Locale])
    p.add_argument("--telegram-id", type=int, help="Telegram user id, linked in advance")
    p.add_argument("--skills", help="comma-separated: " + ",".join(s.value for s in Skill))
    p.set_defaults(run=_run_async(commands.create_staff))

    audit = sub.add_parser("audit", help="audit log tools", description="Audit log tools.")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    v = audit_sub.add_parser(
        "verify", help="check the audit hash chains",
        description="Check each garage's audit hash chain; exit 1 and print the first broken "
        "link (seq and reason) when one is broken.",
    )
    v.add_argument("--org", metavar="SLUG", help="only this garage")
    v.set_defaults(run=_run_async(commands.audit_verify))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="garagebot",
        description="Run an auto repair garage from chat. Configured by GARAGEBOT_* "
        "environment variables.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    m = sub.add_parser("migrate", help="upgrade the database schema",
                       description="Run the alembic migrations (SQLite or PostgreSQL).")
    m.add_argument("--revision", default="head", help="target revision (default: head)")
    m.set_defaults(run=cmd_migrate)
    serve = sub.add_parser("serve", help="run the web app",
                           description="Serve the web app (GET /healthz, GET /readyz, the Telegram and "
                           "provider webhooks, the client pages /a/, /t/ and short links /s/). "
                           "Without GARAGEBOT_REDIS_URL it also drains the outbox.")
    serve.add_argument("--telegram-polling", action="store_true",
                       help="fetch Telegram updates by long polling (development) instead of the webhook")
    serve.set_defaults(run=cmd_serve)
    sub.add_parser("worker", help="run the worker that drains the outbox (woken through Redis)",
                   description="Drain the outbox from Redis jobs (needs GARAGEBOT_REDIS_URL).",
                   ).set_defaults(run=cmd_worker)
    sub.add_parser("demo", help="migrate, seed the demo garage if empty, and serve",
                   description="Migrate, seed the demo garage when the database has no garage, "
                   "print the URL and the demo identities, and serve.",
                   ).set_defaults(run=cmd_demo)
    sub.add_parser("seed-demo", help="seed the demo garage",
                   description="Seed the demo garage and print its identities.",
                   ).set_defaults(run=_run_async(commands.seed_demo_command))
    _org_parsers(sub)
    _user_and_audit_parsers(sub)
    add_tool_parsers(sub, _run_async)
    add_report_parsers(sub, _run_async)
    add_jobs_parsers(sub, _run_async)
    add_digest_parsers(sub, _run_async)
    return parser


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``garagebot`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    overrides = {"telegram_polling": True} if getattr(args, "telegram_polling", False) else {}
    try:
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings.log_level_number, settings.log_format, settings.secrets())
    run: Command = args.run
    try:
        return run(settings, args)
    except DomainError as exc:
        text = Translator.load().render("en", exc.key, exc.params)
        print(f"garagebot {args.command}: {_one_line(text)}", file=sys.stderr)
    except DBAPIError as exc:  # one logged catch-all for an unreachable or unmigrated database
        log.debug("command failed", exc_info=True)
        detail = _one_line(str(exc.orig or exc))[:300]
        print(f"garagebot {args.command}: database error: {detail} "
              "(is the database reachable, and has `garagebot migrate` run?)", file=sys.stderr)
    except (OSError, CommandError) as exc:
        log.debug("command failed", exc_info=True)
        print(f"garagebot {args.command}: {_one_line(str(exc))[:300]}", file=sys.stderr)
    except KeyboardInterrupt:
        return 130
    return 2
