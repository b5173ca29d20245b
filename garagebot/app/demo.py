"""The demo garage: ``garagebot seed-demo`` and ``garagebot demo``.

``seed_demo`` builds one bilingual garage from ``demo_data`` through the real
core services only, so its audit chain, session numbers, job cards and
timers are exactly what the product would have written. The last twelve days
are replayed on a clock of its own (sessions delivered last week, cars on
the lifts this morning), ending before the database clock's "now", which is
put back afterwards. Seeding a database that already has a garage does
nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import func, select

from garagebot.app import demo_data as data
from garagebot.app.demo_billing import Money, demo_photo
from garagebot.app.demo_stock import keep_the_cashbook, stock_the_store, take_bookings
from garagebot.app.demo_visits import ReplayClock, Visits
from garagebot.app.storage import LocalFileStorage
from garagebot.core.actor import Actor
from garagebot.core.billing.quote_flow import expire_quotes
from garagebot.core.console.accounts import set_password
from garagebot.core.enums import Channel, Role
from garagebot.core.garage_config import import_config, parse_config
from garagebot.core.garage_config.schema import TemplateConfig
from garagebot.core.ids import ClientId, OrgId, TemplateId, UserId
from garagebot.core.models import Organization, RepairSession, ServiceTemplate, User
from garagebot.core.ports import FileStorage
from garagebot.core.repair.clients import find_or_create_client
from garagebot.core.repair.vehicles import register_vehicle
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database

REPLAY_HOURS = 14 * 24  # the replay starts this long before "now"
CONFIG_FILE = "demo_garage.yaml"  # package data: the garage's templates and settings
# The web console's demo sign-ins (staff key, login, password): demo data, not secrets.
CONSOLE_SIGN_INS = (("owner", "nour.owner", "demo-owner-2026"),
                    ("manager", "nour.manager", "demo-manager-2026"))


@dataclass(frozen=True, slots=True)
class DemoPerson:
    key: str
    user_id: UserId
    name: str
    role: Role
    telegram_user_id: int
    phone: str


@dataclass(frozen=True, slots=True)
class DemoIdentities:
    """Who is who in the demo garage. ``created`` is False when the database
    already had a garage; ``org_id`` is None when that garage is not the demo's."""

    created: bool
    org_id: OrgId | None
    staff: tuple[DemoPerson, ...] = ()
    sessions: int = 0
    templates: int = 0

    def person(self, key: str) -> DemoPerson:
        return next(p for p in self.staff if p.key == key)

    def lines(self) -> list[str]:
        """What the CLI prints after seeding."""
        if self.org_id is None:
            return ["The database already has a garage; the demo garage was not seeded."]
        g = data.GARAGE
        head = "Demo garage seeded:" if self.created else "The demo garage already exists:"
        out = [f"{head} {g.name_en} / {g.name_ar} (slug {g.slug}, {g.timezone}, {g.currency})",
               "Staff (log in to the Telegram bot as these user ids):"]
        out += [f"  {p.telegram_user_id}  {p.phone}  {p.role.value:<16} {p.name}" for p in self.staff]
        out.append(f"{len(data.CLIENTS)} clients, {len(data.VEHICLES)} vehicles, "
                   f"{self.sessions} repair sessions, {self.templates} service templates.")
        return out


@asynccontextmanager
async def _replaying(db: Database) -> AsyncIterator[ReplayClock]:
    """Swap the database's clock for a replay clock and always put it back."""
    real = db.clock
    clock = ReplayClock(real.now(), REPLAY_HOURS)
    db.clock = clock
    try:
        yield clock
    finally:
        db.clock = real


async def seed_demo(db: Database, storage: FileStorage | None = None) -> DemoIdentities:
    """Seed the demo garage unless the database has a garage already (then
    return who is who in it, or nothing when it is not the demo garage).
    ``storage`` receives the demo's step photos (default: ./media)."""
    existing = await _existing(db)
    if existing is not None:
        return existing
    files = storage or LocalFileStorage(Path("./media"))
    async with _replaying(db) as clock:
        org = await create_organization(db, slug=data.GARAGE.slug, name_en=data.GARAGE.name_en,
                                        name_ar=data.GARAGE.name_ar, timezone=data.GARAGE.timezone,
                                        currency=data.GARAGE.currency, default_locale="ar")
        staff = await _staff(db, org)
        await _console_passwords(db, org, staff)
        actors = {p.key: Actor.user(org, p.user_id, Channel.TELEGRAM) for p in staff}
        templates = await _configure(db, actors["owner"])
        store = await stock_the_store(db, actors["inventory"], actors["accountant"])
        await _clients(db, actors["advisor"])
        money = Money(db, store, files, actors["advisor"], actors["accountant"], actors["inventory"],
                      demo_photo())
        visits = Visits(db, clock, files, actors, templates, money)
        for spec in data.VISITS:
            await visits.replay(spec)
        await _today(db, visits, actors)
    return DemoIdentities(True, org, staff, len(data.VISITS), len(templates))


async def _today(db: Database, visits: Visits, actors: dict[str, Actor]) -> None:
    """The end of the replay: the cars on the lifts, lapsed quotes, the cashbook, new bookings."""
    await visits.start_waiting()
    async with db.unit_of_work(Actor.system(actors["advisor"].org_id)) as uow:
        await expire_quotes(uow)  # what the dispatcher does when each quote's expiry falls due
    await keep_the_cashbook(db, actors["accountant"], data.GARAGE.timezone)
    await take_bookings(db, actors["advisor"], data.GARAGE.timezone)


async def _existing(db: Database) -> DemoIdentities | None:
    async with db.read() as s:
        if (await s.execute(select(Organization.id).limit(1))).first() is None:
            return None
        org = (await s.execute(
            select(Organization.id).where(Organization.slug == data.GARAGE.slug))).scalar()
        if org is None:
            return DemoIdentities(False, None)
        users = {u.telegram_user_id: u for u in (await s.execute(
            select(User).where(User.organization_id == org))).scalars()}
        sessions = (await s.execute(select(func.count(RepairSession.id)).where(
            RepairSession.organization_id == org))).scalar_one()
        templates = (await s.execute(select(func.count(ServiceTemplate.id)).where(
            ServiceTemplate.organization_id == org))).scalar_one()
    staff = tuple(_person(p, UserId(users[p.telegram_user_id].id)) for p in data.STAFF
                  if p.telegram_user_id in users)
    return DemoIdentities(False, OrgId(org), staff, int(sessions), int(templates))


def _person(spec: data.StaffSpec, user_id: UserId) -> DemoPerson:
    return DemoPerson(spec.key, user_id, spec.name, spec.role, spec.telegram_user_id, spec.phone)


async def _staff(db: Database, org: OrgId) -> tuple[DemoPerson, ...]:
    made: list[DemoPerson] = []
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        for p in data.STAFF:
            uid = await create_user(uow, name=p.name, role=p.role, phone=p.phone, locale=p.locale,
                                    telegram_user_id=p.telegram_user_id, skills=p.skills)
            made.append(_person(p, uid))
    return tuple(made)


def bundled_config() -> str:
    """The demo garage's configuration file (package data)."""
    return resources.files("garagebot.app").joinpath(CONFIG_FILE).read_text(encoding="utf-8")


def demo_templates() -> tuple[TemplateConfig, ...]:
    """The demo garage's service templates as its configuration file has them."""
    return parse_config(bundled_config())[0].templates or ()


async def _configure(db: Database, owner: Actor) -> dict[str, TemplateId]:
    """The garage set up from its bundled configuration file (templates, QC,
    billing …) by the owner, through ``org import``'s importer."""
    async with db.unit_of_work(owner) as uow:
        await import_config(uow, bundled_config())
        rows = (await uow.session.execute(select(ServiceTemplate.code, ServiceTemplate.id).where(
            ServiceTemplate.organization_id == uow.org_id))).all()
    return {code: TemplateId(tid) for code, tid in rows}


async def _console_passwords(db: Database, org: OrgId, staff: tuple[DemoPerson, ...]) -> None:
    people = {p.key: p for p in staff}
    async with db.unit_of_work(Actor.system(org, Channel.CLI)) as uow:
        for key, login, password in CONSOLE_SIGN_INS:
            await set_password(uow, people[key].user_id, login=login, password=password)


def console_lines(base_url: str) -> list[str]:
    """What the CLI prints about the web console: its URL and the demo sign-ins."""
    out = [f"Web console: {base_url.rstrip('/')}/ (sign in as):"]
    out += [f"  {key:<8} login {login:<13} password {password}" for key, login, password in CONSOLE_SIGN_INS]
    return out



async def _clients(db: Database, advisor: Actor) -> None:
    async with db.unit_of_work(advisor) as uow:
        ids: list[ClientId] = [
            await find_or_create_client(uow, phone=c.phone, name=c.name, locale=c.locale)
            for c in data.CLIENTS
        ]
        for v in data.VEHICLES:
            await register_vehicle(uow, client_id=ids[v.client], plate=v.plate, vin=v.vin,
                                   make=v.make, model=v.model, year=v.year, colour=v.colour,
                                   mileage_km=v.mileage_km)
