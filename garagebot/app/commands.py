"""The administrative CLI commands: garages, staff, the audit check, demo data.

Each command takes the settings and the parsed arguments, runs one or more
core services as the garage's system actor on the CLI channel, prints its
result on stdout and returns the exit code. Domain errors propagate to
``cli.main``, which prints them in one line.
"""

from __future__ import annotations

import argparse

from sqlalchemy import select

from garagebot.app.bootstrap import open_runtime
from garagebot.app.settings import Settings
from garagebot.core.actor import Actor
from garagebot.core.audit import verify_chain
from garagebot.core.enums import Channel
from garagebot.core.errors import Conflict
from garagebot.core.garage import (
    NUMBER_FIELDS,
    GarageRef,
    find_garage,
    normalize_numbers,
    set_garage_settings,
)
from garagebot.core.ids import OrgId
from garagebot.core.models import AuditChain, Organization
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database


def _numbers(args: argparse.Namespace) -> dict[str, str | None]:
    return {field: getattr(args, field) for field in NUMBER_FIELDS}


async def _ensure_numbers_free(db: Database, numbers: dict[str, str | None]) -> None:
    async with db.read() as session:
        for field, value in numbers.items():
            if value and (
                await session.execute(select(Organization.id).where(getattr(Organization, field) == value))
            ).first():
                raise Conflict("error.garage_number_taken", value=value)


async def create_org(settings: Settings, args: argparse.Namespace) -> int:
    """Create a garage; prints its id."""
    numbers = normalize_numbers(_numbers(args))
    async with open_runtime(settings, in_process_drain=False) as rt:
        await _ensure_numbers_free(rt.db, numbers)
        org_id = await create_organization(
            rt.db, slug=args.slug, name_en=args.name_en, name_ar=args.name_ar,
            timezone=args.timezone or settings.timezone,
            currency=args.currency or settings.currency,
            languages=[lang.strip() for lang in args.languages.split(",") if lang.strip()],
            default_locale=args.default_locale or settings.default_locale,
            channel_numbers=numbers,
        )
    print(org_id)
    return 0


async def org_set(settings: Settings, args: argparse.Namespace) -> int:
    """Change a garage's provider numbers or time zone."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        garage = await find_garage(rt.db, args.org)
        async with rt.db.unit_of_work(Actor.system(garage.id, Channel.CLI)) as uow:
            await set_garage_settings(uow, numbers=_numbers(args), timezone=args.timezone)
    print(f"updated {garage.slug}")
    return 0


async def create_staff(settings: Settings, args: argparse.Namespace) -> int:
    """Add a member of staff to a garage; prints the new user's id."""
    skills = [s.strip() for s in (args.skills or "").split(",") if s.strip()]
    async with open_runtime(settings, in_process_drain=False) as rt:
        garage = await find_garage(rt.db, args.org)
        async with rt.db.unit_of_work(Actor.system(garage.id, Channel.CLI)) as uow:
            user_id = await create_user(
                uow, name=args.name, role=args.role, phone=args.phone, locale=args.language,
                telegram_user_id=args.telegram_id, skills=skills,
            )
    print(user_id)
    return 0


async def audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    """Walk each garage's audit chain (or the one given); 1 when any is broken."""
    async with open_runtime(settings, in_process_drain=False) as rt:
        if args.org:
            garages = [await find_garage(rt.db, args.org)]
        else:
            async with rt.db.read() as session:
                rows = (await session.execute(select(Organization.id, Organization.slug)
                                              .order_by(Organization.id))).all()
            garages = [GarageRef(OrgId(org_id), slug) for org_id, slug in rows]
        broken = 0
        for garage in garages:
            async with rt.db.read() as session:
                found = await verify_chain(session, garage.id)
                head = await session.get(AuditChain, garage.id)
            if found is None:
                print(f"ok {garage.slug}: {head.last_seq if head else 0} entries, chain intact")
            else:
                broken += 1
                print(f"BROKEN {garage.slug}: first broken link at seq {found.seq} ({found.reason})")
    return 1 if broken else 0


async def seed_demo_command(settings: Settings, args: argparse.Namespace) -> int:
    """Seed the demo garage (unless the database has a garage) and print its identities."""
    from garagebot.app.demo import seed_demo

    async with open_runtime(settings, in_process_drain=False) as rt:
        identities = await seed_demo(rt.db, rt.storage)
    for line in identities.lines():
        print(line)
    return 0
