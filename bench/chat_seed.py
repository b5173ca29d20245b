"""The chat benchmarks' database: created fresh, migrated, and seeded through
the real services (audited, chained), so the measured requests meet the rows
a real garage has.

- Telegram: one garage, ``people`` technicians, each linked to a Telegram id
  and with two steps assigned on a job card of a car in IN_PROGRESS.
- Twilio: one garage with a WhatsApp number and ``people`` clients, each with
  an open visit (a car in DIAGNOSING) and a WhatsApp conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from sqlalchemy import select

from bench.common import admin_url, database_name, sqlalchemy_url
from garagebot.app.migrate import upgrade
from garagebot.core.actor import Actor
from garagebot.core.enums import Channel, Role, SessionStatus, Skill
from garagebot.core.garage import set_garage_settings
from garagebot.core.ids import OrgId, SessionId, StepId, UserId
from garagebot.core.models import Step
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.sessions import change_status
from garagebot.core.staff import create_organization, create_user
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.jobcards import add_free_job_card
from garagebot.core.work.templates import StepSpec

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/garagebot_bench_chat"
GARAGE_WHATSAPP = "+962795999999"
TELEGRAM_ID_BASE = 700_000_000
STEPS = (StepSpec(name_en="Replace brake pads", name_ar="تغيير فحمات الفرامل"),
         StepSpec(name_en="Road test", name_ar="تجربة على الطريق"))


@dataclass(frozen=True, slots=True)
class Seeded:
    org: OrgId
    telegram_ids: tuple[int, ...] = ()  # technicians (Telegram scene)
    phones: tuple[str, ...] = ()  # clients (Twilio scene)
    whatsapp: str = GARAGE_WHATSAPP


async def recreate(url: str) -> None:
    """Drop and create the bench database (only this one), then run the migrations."""
    name = database_name(url)
    if not name.startswith("garagebot_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: the name must start with garagebot_bench")
    conn = await asyncpg.connect(admin_url(url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    await upgrade(sqlalchemy_url(url))


def client_phone(i: int) -> str:
    return f"+96279{1_000_000 + i:07d}"


async def _staff(db: Database, org: OrgId, technicians: int) -> tuple[Actor, Actor, list[tuple[UserId, int]]]:
    system = Actor.system(org)
    async with db.unit_of_work(system) as uow:
        advisor = await create_user(uow, name="Advisor", role=Role.ADVISOR)
        lead = await create_user(uow, name="Lead", role=Role.LEAD_TECHNICIAN,
                                 skills=[Skill.MECHANICAL, Skill.ELECTRICAL])
        techs = []
        for i in range(technicians):
            tg = TELEGRAM_ID_BASE + i
            uid = await create_user(uow, name=f"Technician {i}", role=Role.TECHNICIAN,
                                    skills=[Skill.MECHANICAL], telegram_user_id=tg,
                                    locale="ar" if i % 2 else "en")
            techs.append((uid, tg))
    return (Actor.user(org, advisor, Channel.TELEGRAM), Actor.user(org, lead, Channel.TELEGRAM), techs)


async def _car(db: Database, advisor: Actor, i: int, status: SessionStatus) -> SessionId:
    async with db.unit_of_work(advisor) as uow:
        sid = await open_session(uow, phone=client_phone(i), plate=f"{10 + i % 80}-{10_000 + i}",
                                 complaint="Brakes squeal", client_name=f"Client {i}",
                                 locale="ar" if i % 2 else "en")
        await change_status(uow, sid, status)
    return sid


async def seed_telegram(db: Database, technicians: int) -> Seeded:
    org = await create_organization(db, slug="bench-chat-telegram", name_en="Bench Garage",
                                    name_ar="كراج القياس")
    advisor, lead, techs = await _staff(db, org, technicians)
    for i, (uid, _tg) in enumerate(techs):
        sid = await _car(db, advisor, i, SessionStatus.IN_PROGRESS)
        async with db.unit_of_work(advisor) as uow:
            card = await add_free_job_card(uow, sid, title_en="Brakes", title_ar="الفرامل", steps=STEPS)
        async with db.read() as s:
            steps = (await s.scalars(select(Step.id).where(Step.job_card_id == card))).all()
        async with db.unit_of_work(lead) as uow:
            for step in steps:
                await assign_step(uow, StepId(step), uid, override=True)
    return Seeded(org, telegram_ids=tuple(tg for _, tg in techs))


async def seed_twilio(db: Database, clients: int) -> Seeded:
    org = await create_organization(db, slug="bench-chat-twilio", name_en="Bench Garage",
                                    name_ar="كراج القياس")
    async with db.unit_of_work(Actor.system(org)) as uow:
        await set_garage_settings(uow, numbers={"whatsapp_number": GARAGE_WHATSAPP})
    advisor, _lead, _techs = await _staff(db, org, 0)
    for i in range(clients):
        await _car(db, advisor, i, SessionStatus.DIAGNOSING)
    return Seeded(org, phones=tuple(client_phone(i) for i in range(clients)))
