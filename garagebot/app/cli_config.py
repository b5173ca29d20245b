"""``garagebot org import|export --org SLUG FILE``: a garage's set-up as a
YAML file (docs/garage-config.example.yaml describes it).

Import checks the whole file first and changes nothing when anything is
wrong: every problem is printed as ``FILE:LINE: message`` and the exit code
is 1. Importing a file the garage already matches changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import Settings
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel
from garagebot.core.garage import find_garage
from garagebot.core.garage_config import ConfigInvalid, import_config, read_config, to_yaml
from garagebot.core.i18n import Translator

AsyncCommand = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]


def _read(name: str) -> str:
    if name == "-":
        return sys.stdin.read()
    return Path(name).read_text(encoding="utf-8")


async def org_import(settings: Settings, args: argparse.Namespace) -> int:
    """Apply a configuration file to a garage (all or nothing)."""
    text = await asyncio.to_thread(_read, args.file)
    async with open_runtime(settings, in_process_drain=False) as rt:
        garage = await find_garage(rt.db, args.org)
        try:
            async with rt.db.unit_of_work(Actor.system(garage.id, Channel.CLI)) as uow:
                result = await import_config(uow, text)
        except ConfigInvalid as exc:
            tr = Translator.load()
            for p in exc.problems:
                print(f"{args.file}:{p.line}: {tr.render('en', p.key, dict(p.params))}", file=sys.stderr)
            print(tr.render("en", exc.key, dict(exc.params)), file=sys.stderr)
            return 1
    if result.changed:
        print(f"{garage.slug}: updated {', '.join(result.changed)}")
    else:
        print(f"{garage.slug}: already configured as in {args.file}; nothing changed")
    return 0


async def org_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write a garage's configuration to a file ("-": standard output)."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        garage = await find_garage(rt.db, args.org)
        async with rt.db.unit_of_work(Actor.system(garage.id, Channel.CLI)) as uow:
            text = to_yaml(await read_config(uow))
    if args.file == "-":
        sys.stdout.write(text)
    else:
        await asyncio.to_thread(Path(args.file).write_text, text, encoding="utf-8")
        print(f"{garage.slug}: configuration written to {args.file}", file=sys.stderr)
    return 0


def add_config_parsers(org_sub: argparse._SubParsersAction[argparse.ArgumentParser],
                       run_async: Callable[[AsyncCommand], Any]) -> None:
    """``org import`` and ``org export`` under ``garagebot org``."""
    i = org_sub.add_parser(
        "import", help="apply a garage configuration file (YAML)",
        description="Apply a garage configuration file: service templates, QC list, billing, SLA "
        "targets, notifications, WhatsApp template names. Checks everything first; on any problem "
        "prints each with its line, changes nothing and exits 1. Importing the same file twice "
        "changes nothing.")
    i.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    i.add_argument("file", metavar="FILE", help="the YAML file (\"-\": standard input)")
    i.set_defaults(run=run_async(org_import))
    e = org_sub.add_parser(
        "export", help="write the garage's configuration to a YAML file",
        description="Write the garage's configuration as a file `org import` reads back unchanged.")
    e.add_argument("--org", required=True, metavar="SLUG", help="the garage")
    e.add_argument("file", metavar="FILE", help="where to write it (\"-\": standard output)")
    e.set_defaults(run=run_async(org_export))
