"""The authorization matrix of the staff chat, through Telegram updates posted
to the real webhook (issue 11, point 3): every callback payload that carries
an id (``md:`` discount, ``ss:`` session, ``lx:`` exception, ``lr:`` job card
review, ``tj:`` a job and its timer, ``sp:``/``su:`` step and person to
assign, ``pi:`` a stock item), pressed by a member of staff of another garage
(at the state where their own garage offers that button), by a member of
staff of the garage whose role does not offer it, by one whose role changed
while the chat was there, or by a Telegram account nobody linked, shows
nothing of the garage and changes nothing there: the rows the button would
change and the garage's audit trail are read before and after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select, update

from garagebot.core.enums import Role, StepStatus
from garagebot.core.ids import OrgId, StepId, UserId
from garagebot.core.inventory.parts import reserve_part
from garagebot.core.models import (
    AuditEntry,
    JobCard,
    OutboxRow,
    Quote,
    Reservation,
    Step,
    StepChecklistItem,
    StepException,
    TimeLog,
    User,
)
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.exceptions import flag_exception
from garagebot.core.work.steps import complete_step
from garagebot.core.work.templates import create_template
from garagebot.core.work.timers import start_timer
from tests.bot.conftest import BotHarness
from tests.bot.conftest import update as tg_update
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.chat import linked_user, telegram_id
from tests.conversations.staff.support import assigned_card, quote_at_half_discount
from tests.core.inventory.support import new_item
from tests.core.repair.helpers import add_steps, open_direct
from tests.core.work.helpers import checked_step, simple_steps

# What a button shows or does when it works: none of these may reach the presser.
SHOWN = frozenset({"staff.discount_approved", "staff.session_card", "staff.exception_card",
                   "staff.review_card", "staff.timer_started", "staff.assigned", "staff.parts_quantity",
                   "staff.part_reserved", "staff.step_done"})


@dataclass(frozen=True)
class Garage:
    """Garage A's things that buttons name."""

    org: OrgId
    session: int
    quote: int
    exception: int
    flagged_step: StepId
    review_card: int
    open_step: StepId
    item: int
    tech: UserId
    template: int
    checklist_item: int
    reservation: int


async def _garage(db: Database, staff: Staff) -> Garage:
    sid = await open_direct(db, staff.advisor, 41)
    await add_steps(db, staff.org, sid, [StepStatus.NOT_STARTED])
    quote = await quote_at_half_discount(db, staff.advisor, sid)
    tech = staff.id(staff.tech)
    flagged = (await assigned_card(db, staff.advisor, staff.lead, tech, simple_steps(1))).step_ids[0]
    review = await assigned_card(db, staff.advisor, staff.lead, tech, simple_steps(1))
    open_card = await assigned_card(db, staff.advisor, staff.lead, tech, simple_steps(1))
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, flagged)
        exc = await flag_exception(uow, flagged, "Bolt seized")
    async with db.unit_of_work(staff.tech) as uow:
        await start_timer(uow, review.step_ids[0])
        await complete_step(uow, review.step_ids[0])
    item = await new_item(db, staff.inventory, stock=5, name_en="Brake pads", name_ar="فحمات فرامل")
    async with db.unit_of_work(staff.lead) as uow:
        template = await create_template(uow, code="brakes", name_en="Brake service", name_ar="صيانة الفرامل",
                                         steps=simple_steps(1))
    checked = await assigned_card(db, staff.advisor, staff.lead, tech, [checked_step()])
    async with db.read() as s:
        checklist_item = (await s.scalars(select(StepChecklistItem.id).where(
            StepChecklistItem.step_id == checked.step_ids[0]))).first()
    assert checklist_item is not None
    async with db.unit_of_work(staff.tech) as uow:
        reservation = await reserve_part(uow, open_card.session_id, item, 1)
    return Garage(staff.org, sid, quote, exc, StepId(flagged), review.job_card_id,
                  StepId(open_card.step_ids[0]), int(item), tech, int(template), checklist_item,
                  int(reservation))


async def _rows(db: Database, g: Garage) -> tuple[object, ...]:
    """Everything of garage A a pressed button could change."""
    async with db.read() as s:
        async def count(model: type, *where: Any) -> int:
            return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        return (
            await s.scalar(select(Quote.discount_status).where(Quote.id == g.quote)),
            await s.scalar(select(StepException.status).where(StepException.id == g.exception)),
            await s.scalar(select(JobCard.status).where(JobCard.id == g.review_card)),
            tuple((await s.execute(select(Step.status, Step.assignee_id).where(
                Step.id.in_((g.flagged_step, g.open_step))).order_by(Step.id))).all()),
            tuple((await s.execute(select(StepChecklistItem.done).where(
                StepChecklistItem.id == g.checklist_item))).all()),
            await count(JobCard, JobCard.organization_id == g.org),
            await s.scalar(select(Reservation.status).where(Reservation.id == g.reservation)),
            await count(TimeLog, TimeLog.organization_id == g.org),
            await count(Reservation, Reservation.organization_id == g.org),
            await count(AuditEntry, AuditEntry.organization_id == g.org),
        )


class Presser:
    """A Telegram account posting updates to the webhook; what it is told, by key."""

    def __init__(self, bot: BotHarness, tg: int) -> None:
        self.bot, self.tg, self.seen = bot, tg, 0

    async def says(self, *inputs: str) -> list[str]:
        """Post each input (``"cb:…"`` a button, else text); the keys of the new replies."""
        for value in inputs:
            raw = (tg_update("callback_query", self.tg, data=value[3:]) if value.startswith("cb:")
                   else tg_update("text", self.tg, text=value))
            assert await self.bot.post(raw) == 200
        async with self.bot.db.read() as s:
            topics = list((await s.scalars(select(OutboxRow.topic).where(
                OutboxRow.recipient == str(self.tg)).order_by(OutboxRow.id))).all())
        new, self.seen = topics[self.seen:], len(topics)
        return new


async def _staff_of(bot: BotHarness, org: OrgId, role: Role) -> Presser:
    _, tg = await linked_user(bot.db, org, role=role)
    return Presser(bot, tg)


def cb(*values: str) -> list[str]:
    return [f"cb:{v}" for v in values]


async def _attack(bot: BotHarness, g: Garage, presser: Presser, route: Sequence[str],
                  attack: Sequence[str]) -> list[str]:
    """Follow ``route``, then press ``attack``: nothing shown, nothing changed; what was said."""
    await presser.says(*route)
    before = await _rows(bot.db, g)
    told = await presser.says(*attack)
    assert not SHOWN & set(told), told
    assert await _rows(bot.db, g) == before
    return told


@pytest.mark.parametrize("case", ["md", "ss-manager", "ss-advisor", "lx", "lr", "la", "tj", "tc", "sp", "su",
                                  "pi", "pr", "it"])
async def test_no_button_of_another_garage_works_for_its_staff(
    bot: BotHarness, staff: Staff, case: str
) -> None:
    g = await _garage(bot.db, staff)
    other_org = await new_garage(bot.db)
    other = await make_staff(bot.db, other_org)
    their_sid = await open_direct(bot.db, other.advisor, 42)
    their = await assigned_card(bot.db, other.advisor, other.lead, other.id(other.tech), [checked_step()])
    role, route, attack = {
        "md": (Role.MANAGER, cb("m:manager", "mg:discounts"), cb(f"md:{g.quote}")),
        "ss-manager": (Role.MANAGER, cb("m:manager", "mg:overdue"), cb(f"ss:{g.session}")),
        "ss-advisor": (Role.ADVISOR, cb("m:sessions", "sl:all"), cb(f"ss:{g.session}")),
        "lx": (Role.LEAD_TECHNICIAN, cb("m:lead"), [*cb(f"lx:{g.exception}", "le:skip"), "not needed"]),
        "lr": (Role.LEAD_TECHNICIAN, cb("m:lead"), cb(f"lr:{g.review_card}", "lc:approve")),
        "la": (Role.LEAD_TECHNICIAN, cb("m:lead", "lx:{exc}", "le:assign"), cb(f"la:{g.tech}")),
        "tj": (Role.TECHNICIAN, cb("m:jobs"), cb(f"tj:{g.open_step}", "ts:start", "ts:done")),
        "tc": (Role.TECHNICIAN, cb("m:jobs", f"tj:{their.step_ids[0]}"), cb(f"tc:{g.checklist_item}")),
        "sp": (Role.ADVISOR, cb("m:sessions", "sl:all", f"ss:{their.session_id}", "sa:assign"),
               cb(f"sp:{g.open_step}", f"su:{other.id(other.tech)}")),
        "su": (Role.ADVISOR, cb("m:sessions", "sl:all", f"ss:{their.session_id}", "sa:assign"),
               cb(f"sp:{their.step_ids[0]}", f"su:{g.tech}")),
        "pi": (Role.TECHNICIAN, [*cb("m:jobs"), "start 1", *cb("ts:parts")], [*cb(f"pi:{g.item}"), "1"]),
        "pr": (Role.TECHNICIAN, [*cb("m:jobs"), "start 1", *cb("ts:parts")],
               cb(f"pr:{g.reservation}", "rp:pick", f"pr:{g.reservation}", "rp:return")),
        "it": (Role.ADVISOR, [*cb("m:intake"), "0791234567", "Sami", "12-34567", "Squeaking brakes", "done"],
               cb(f"it:{g.template}")),
    }[case]
    assert their_sid
    uid, tg = await linked_user(bot.db, other_org, role=role)
    if case in ("pi", "pr", "tc"):  # their own job, so that they are at its card or its parts search
        async with bot.db.unit_of_work(other.lead) as uow:
            await assign_step(uow, StepId(their.step_ids[0]), uid, override=True)
    if case == "la":  # an exception of their own garage, to reassign
        flagged = (await assigned_card(bot.db, other.advisor, other.lead, other.id(other.tech),
                                       simple_steps(1))).step_ids[0]
        async with bot.db.unit_of_work(other.tech) as uow:
            await start_timer(uow, flagged)
            exc = await flag_exception(uow, flagged, "Bolt seized")
        route = [r.replace("{exc}", str(exc)) for r in route]
    told = await _attack(bot, g, Presser(bot, tg), route, attack)
    gone = {"error.not_found", "staff.exception_gone", "staff.review_gone", "staff.parts_none"}
    assert gone & set(told), told  # garage A's id is not found in garage B
    assert gone | {"floor.assign_prompt", "staff.skip_prompt", "bot.not_understood", "bot.menu",
                   "staff.parts_search_hint", "staff.parts_search",
                   "staff.not_understood_part"} >= set(told), told


@pytest.mark.parametrize(("role", "pressed"), [
    (Role.TECHNICIAN, ("md", "ss", "lx", "lr", "su")),
    (Role.ACCOUNTANT, ("md", "lx", "lr", "tj", "pi")),
    (Role.INVENTORY, ("md", "ss", "lx", "lr", "tj")),
    (Role.ADVISOR, ("md", "lx", "lr", "tj")),
])
async def test_no_button_works_for_a_role_that_is_not_offered_it(
    bot: BotHarness, staff: Staff, role: Role, pressed: tuple[str, ...]
) -> None:
    g = await _garage(bot.db, staff)
    ids = {"md": g.quote, "ss": g.session, "lx": g.exception, "lr": g.review_card, "tj": g.open_step,
           "su": g.tech, "pi": g.item}
    presser = await _staff_of(bot, staff.org, role)
    attack = [f"cb:{kind}:{ids[kind]}" for kind in pressed]
    told = await _attack(bot, g, presser, cb("g:menu"), attack)
    assert set(told) == {"bot.not_understood", "bot.menu"}  # the menu again, for each press


async def test_another_technician_cannot_start_or_finish_a_job_that_is_not_theirs(
    bot: BotHarness, staff: Staff
) -> None:
    g = await _garage(bot.db, staff)
    presser = await _staff_of(bot, staff.org, Role.TECHNICIAN)

    told = await _attack(bot, g, presser, cb("m:jobs"), cb(f"tj:{g.open_step}", "ts:start", "ts:done"))
    assert told == ["staff.step_not_started", "error.step_assigned_to_other", "error.step_assigned_to_other"]


async def test_a_role_changed_while_the_chat_was_in_a_flow_loses_its_buttons(
    bot: BotHarness, staff: Staff
) -> None:
    g = await _garage(bot.db, staff)
    uid, tg = await linked_user(bot.db, staff.org, role=Role.MANAGER)
    presser = Presser(bot, tg)
    await presser.says(*cb("m:manager", "mg:discounts"))
    async with bot.db.raw_transaction() as s:
        await s.execute(update(User).where(User.id == uid).values(role=Role.TECHNICIAN.value))

    told = await _attack(bot, g, presser, [], cb(f"md:{g.quote}", f"ss:{g.session}"))
    assert set(told) == {"bot.not_understood", "bot.menu"}


async def test_an_unlinked_telegram_account_gets_nothing_from_any_button(
    bot: BotHarness, staff: Staff
) -> None:
    g = await _garage(bot.db, staff)
    presser = Presser(bot, telegram_id())

    told = await _attack(bot, g, presser, [], cb(f"md:{g.quote}", f"ss:{g.session}", f"lx:{g.exception}",
                                                 f"lr:{g.review_card}", f"tj:{g.open_step}", f"pi:{g.item}"))
    assert told == []  # refused before any conversation: "who are you?" is answered at once, not queued


async def test_a_button_leading_to_a_flow_the_role_may_not_open_is_refused(
    bot: BotHarness, staff: Staff
) -> None:
    """An accountant sees the manager's overdue list (reports) but may not open
    the sessions flow its buttons lead to."""
    g = await _garage(bot.db, staff)
    presser = await _staff_of(bot, staff.org, Role.ACCOUNTANT)

    told = await _attack(bot, g, presser, cb("m:manager", "mg:overdue"), cb(f"ss:{g.session}"))

    assert told == ["bot.not_allowed", "bot.menu"]
