"""Replaying the demo garage's visits through the core services.

Each visit is opened at its time on the replay clock, checked in, planned
from its templates (its parts reserved) and then walked towards its target
status the way a workshop would: a diagnosis first when the visit starts
with one; the quote sent and decided by the client (``demo_billing``);
technicians start steps (the timer assigns them), tick the checklist, attach
the required photos and finish; the parts are fitted; the lead reviews each
job card; QC is ticked before READY_FOR_PICKUP, when the invoice is issued
and paid; the client's PIN delivers. A visit left in the workshop has one
step assigned to start shortly before "now" (``start_waiting``: no timer is
left running for days) and its remaining steps assigned by the lead, so "my
jobs" has something to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.app.demo_billing import Money, demo_photo
from garagebot.app.demo_data import CLIENTS, STAFF, VEHICLES, VisitSpec
from garagebot.core.actor import Actor
from garagebot.core.billing.enums import PaymentMethod
from garagebot.core.billing.invoices import create_invoice, issue_invoice
from garagebot.core.billing.payments import record_payment
from garagebot.core.enums import SessionStatus, Skill, StepStatus
from garagebot.core.errors import DomainError
from garagebot.core.ids import JobCardId, QcItemId, SessionId, StepId, TemplateId, UserId
from garagebot.core.models import Invoice, JobCard, RepairSession, SessionQcItem, Step, StepChecklistItem
from garagebot.core.ports import FileStorage
from garagebot.core.repair.delivery import confirm_delivery
from garagebot.core.repair.intake import open_session
from garagebot.core.repair.qc import tick_qc_item
from garagebot.core.repair.sessions import cancel_session, change_status, check_in, set_eta, set_priority
from garagebot.core.uow import Database
from garagebot.core.work.assignment import assign_step, suggest_assignee
from garagebot.core.work.jobcards import add_job_card
from garagebot.core.work.media import attach_media
from garagebot.core.work.review import review_job_card
from garagebot.core.work.steps import complete_step, tick_checklist_item
from garagebot.core.work.timers import start_timer

S = SessionStatus
_FULL = frozenset({S.QA_CHECK, S.READY_FOR_PICKUP, S.COMPLETED, S.DELIVERED})
_AFTER_DIAGNOSIS = frozenset({S.AWAITING_CLIENT_APPROVAL, S.AWAITING_PARTS, S.CANCELLED})
_SKILLED = {p.key: frozenset(p.skills) for p in STAFF}
_FLOOR_ORDER = ("tech", "tech2", "tech3", "lead")


class ReplayClock:
    """The Clock port for the replay: starts ``hours`` before ``end`` and only moves forward."""

    def __init__(self, end: dt.datetime, hours: int) -> None:
        self.end = end
        self._now = end - dt.timedelta(hours=hours)

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, minutes: int = 1) -> None:
        self._now += dt.timedelta(minutes=minutes)

    def at_least(self, when: dt.datetime) -> None:
        self._now = max(self._now, when)


@dataclass(frozen=True, slots=True)
class _StepRow:
    id: StepId
    card: JobCardId
    skill: str | None
    assembly: bool
    attachments: int
    minutes: int
    status: str
    assignee: int | None


class Visits:
    """Replays ``VisitSpec``s in order on one garage."""

    def __init__(self, db: Database, clock: ReplayClock, storage: FileStorage,
                 actors: Mapping[str, Actor], templates: Mapping[str, TemplateId], money: Money) -> None:
        self.db, self.clock, self.storage = db, clock, storage
        self.actors, self.templates, self.money = actors, templates, money
        self.busy: set[str] = set()  # people left with a running timer
        self.waiting: list[tuple[_StepRow, str]] = []  # (step, who): timers started at the end
        self.turn = 0
        self.advisor = actors["advisor"]
        self.org = self.advisor.org_id
        self.photo = demo_photo()

    async def replay(self, spec: VisitSpec) -> SessionId:
        self.clock.at_least(self.clock.end - dt.timedelta(hours=spec.hours_ago))
        self.advisor = self.actors["advisor" if spec.vehicle % 2 else "advisor2"]
        self.money.advisor = self.advisor
        sid = await self._open(spec)
        if spec.status is not S.NEW:
            await self._walk(sid, spec)
            await self._assign_rest(sid)
        return sid

    async def _open(self, spec: VisitSpec) -> SessionId:
        vehicle = VEHICLES[spec.vehicle]
        async with self.db.unit_of_work(self.advisor) as uow:
            sid = await open_session(uow, phone=CLIENTS[vehicle.client].phone, plate=vehicle.plate,
                                     complaint=spec.complaint)
            await check_in(uow, sid, vehicle.mileage_km + 40 * spec.hours_ago)
            await set_eta(uow, sid, uow.now + dt.timedelta(hours=26))
            if "brake" in spec.complaint.lower():
                await set_priority(uow, sid, 2)  # brakes are a safety job
            for code in spec.templates:
                await add_job_card(uow, sid, self.templates[code])
            await self.money.reserve(uow, sid, spec.templates)
        self.clock.advance(5)
        return sid

    async def _walk(self, sid: SessionId, spec: VisitSpec) -> None:
        target = spec.status
        diagnose = spec.templates[0] == "diagnosis"
        if target is S.DIAGNOSING or diagnose or target in _AFTER_DIAGNOSIS | {S.ON_HOLD}:
            await self._status(sid, S.DIAGNOSING)
            if target is S.DIAGNOSING:
                await self._work(sid, done=0, leave_running=True)
                if spec.quote == "draft":
                    await self.money.quote(sid, spec)  # the advisor is preparing it
                return
            await self._work(sid, done=None, cards=1)
            await self._review_finished(sid)
        qid = await self.money.quote(sid, spec)  # sent: AWAITING_CLIENT_APPROVAL
        self.clock.advance(30)
        if target is S.ON_HOLD:
            await self._status(sid, S.ON_HOLD, note="Client asked to wait until payday")
            return
        if target is S.AWAITING_CLIENT_APPROVAL:
            return
        await self.money.decide(sid, qid, spec)  # IN_PROGRESS, AWAITING_PARTS or (declined) QA_CHECK
        self.clock.advance(10)
        if target is S.CANCELLED:
            await self._cancel(sid)
            return
        if target is S.AWAITING_PARTS:
            return
        if target is S.IN_PROGRESS:
            await self._work(sid, done=2, leave_running=True)
            return
        await self._work(sid, done=None)
        await self.money.use_parts(sid)
        await self._review_finished(sid)  # the last approval moves the session to QA_CHECK
        await self._finish(sid, spec)

    async def _finish(self, sid: SessionId, spec: VisitSpec) -> None:
        target = spec.status
        if target is S.QA_CHECK:
            return
        lead = self.actors["lead"]
        async with self.db.read() as s:
            items = (await s.execute(select(SessionQcItem.id).where(
                SessionQcItem.organization_id == self.org, SessionQcItem.session_id == sid,
            ).order_by(SessionQcItem.position))).scalars().all()
        async with self.db.unit_of_work(lead) as uow:
            for item in items:
                await tick_qc_item(uow, QcItemId(item))
        self.clock.advance(10)
        await self._status(sid, S.READY_FOR_PICKUP)
        await self.money.invoice(sid, spec)
        if target is S.READY_FOR_PICKUP:
            return
        self.clock.advance(120)
        await self._status(sid, S.COMPLETED)
        if target is S.DELIVERED:
            self.clock.advance(30)
            paid = await self._invoice_and_pay(sid)
            # A visit with nothing to invoice goes on a manager's audited word.
            who = self.advisor if paid else self.actors["manager"]
            async with self.db.unit_of_work(who) as uow:
                pin = (await uow.get(RepairSession, sid)).delivery_pin
                reason = None if paid else "Paid at the counter before invoicing"
                outcome = await confirm_delivery(uow, sid, pin=pin, override_reason=reason)
            assert outcome.delivered

    async def _invoice_and_pay(self, sid: SessionId) -> bool:
        """Invoice the visit and take its payment in cash; False when it has nothing to invoice."""
        try:
            async with self.db.unit_of_work(self.advisor) as uow:
                invoice = await create_invoice(uow, sid)
                await issue_invoice(uow, invoice)
                inv = await uow.get(Invoice, invoice)
                if inv.total > inv.paid_amount:
                    await record_payment(uow, invoice, inv.total - inv.paid_amount, PaymentMethod.CASH)
        except DomainError:
            return False
        self.clock.advance(5)
        return True

    async def _status(self, sid: SessionId, to: S, note: str | None = None) -> None:
        async with self.db.unit_of_work(self.advisor) as uow:
            await change_status(uow, sid, to, note=note)
        self.clock.advance(3)

    async def _cancel(self, sid: SessionId) -> None:
        async with self.db.unit_of_work(self.advisor) as uow:
            await cancel_session(uow, sid, reason="Client decided to repair it elsewhere")
        self.clock.advance(3)

    async def _steps(self, sid: SessionId) -> list[_StepRow]:
        async with self.db.read() as s:
            rows = (await s.execute(
                select(Step.id, Step.job_card_id, Step.required_skill, Step.assembly,
                       Step.required_attachments, Step.estimated_minutes, Step.status,
                       Step.assignee_id)
                .join(JobCard, JobCard.id == Step.job_card_id)
                .where(Step.organization_id == self.org, Step.session_id == sid)
                .order_by(JobCard.position, Step.position)
            )).all()
        return [_StepRow(StepId(r[0]), JobCardId(r[1]), *r[2:]) for r in rows]

    async def _work(self, sid: SessionId, *, done: int | None, cards: int | None = None,
                    leave_running: bool = False) -> None:
        """Finish ``done`` open steps (None: all, or all of the first ``cards``
        job cards), then start the next one when ``leave_running``."""
        steps = [s for s in await self._steps(sid) if s.status == StepStatus.NOT_STARTED]
        if cards is not None:
            first_cards = list(dict.fromkeys(s.card for s in await self._steps(sid)))[:cards]
            steps = [s for s in steps if s.card in first_cards]
        todo = steps if done is None else steps[:done]
        for step in todo:
            await self._do(step, finish=True)
        rest = steps[len(todo):]
        if leave_running and rest:
            await self._do(rest[0], finish=False)

    def _worker(self, step: _StepRow) -> str | None:
        if step.assembly and "assistant" not in self.busy:
            return "assistant"  # assembly and disassembly are the assistant's work
        need = Skill(step.skill) if step.skill else None
        keys = tuple(k for k in _FLOOR_ORDER if need is None or need in _SKILLED[k])
        self.turn += 1
        rotated = keys[self.turn % len(keys):] + keys[: self.turn % len(keys)]
        return next((k for k in rotated if k not in self.busy), None)

    async def _do(self, step: _StepRow, *, finish: bool) -> None:
        key = self._worker(step)
        if key is None:
            return  # everyone qualified is busy on another car: the step waits
        worker = self.actors[key]
        if not finish:
            # Assigned now, started shortly before "now" (start_waiting): no timer runs for days.
            async with self.db.unit_of_work(self.actors["lead"]) as uow:
                await assign_step(uow, step.id, UserId(worker.id or 0), override=True)
            self.busy.add(key)
            self.waiting.append((step, key))
            return
        async with self.db.unit_of_work(worker) as uow:
            await start_timer(uow, step.id)
        self.clock.advance(step.minutes)
        async with self.db.unit_of_work(worker) as uow:
            items = (await uow.session.execute(select(StepChecklistItem.id).where(
                StepChecklistItem.organization_id == uow.org_id, StepChecklistItem.step_id == step.id,
            ).order_by(StepChecklistItem.position))).scalars().all()
            for item in items:
                await tick_checklist_item(uow, item)
            for n in range(step.attachments):
                await attach_media(uow, self.storage, step_id=step.id, kind="photo",
                                   content_type="image/png", data=self.photo,
                                   caption=f"Photo {n + 1}", client_visible=True)
            await complete_step(uow, step.id)
        self.clock.advance(2)

    async def _review_finished(self, sid: SessionId) -> None:
        """The lead approves every job card whose steps are all finished."""
        steps = await self._steps(sid)
        finished = [c for c in dict.fromkeys(s.card for s in steps)
                    if all(s.status in (StepStatus.DONE, StepStatus.SKIPPED)
                           for s in steps if s.card == c)]
        async with self.db.read() as s:
            pending = set((await s.execute(select(JobCard.id).where(
                JobCard.organization_id == self.org, JobCard.id.in_(finished),
                JobCard.review_outcome.is_(None)))).scalars().all())
        for card in finished:
            if card in pending:
                async with self.db.unit_of_work(self.actors["lead"]) as uow:
                    await review_job_card(uow, card, approve=True)
                self.clock.advance(5)

    async def _assign_rest(self, sid: SessionId) -> None:
        """The lead assigns the steps nobody has taken yet (least-loaded first)."""
        async with self.db.read() as s:
            status = (await s.execute(select(RepairSession.status).where(
                RepairSession.organization_id == self.org, RepairSession.id == sid))).scalar_one()
        if status in (S.CANCELLED, S.DELIVERED):
            return
        todo = [s for s in await self._steps(sid)
                if s.status == StepStatus.NOT_STARTED and s.assignee is None]
        async with self.db.unit_of_work(self.actors["lead"]) as uow:
            for step in todo:
                person = await suggest_assignee(uow, step.id)
                if person is not None:
                    await assign_step(uow, step.id, person)
        self.clock.advance(2)

    async def start_waiting(self) -> None:
        """The cars on the lifts now: each waiting step was started about half
        its estimated time before the end of the replay (longest first)."""
        for step, key in sorted(self.waiting, key=lambda waiting: -waiting[0].minutes):
            self.clock.at_least(self.clock.end - dt.timedelta(minutes=max(step.minutes // 2, 2)))
            async with self.db.unit_of_work(self.actors[key]) as uow:
                await start_timer(uow, step.id)
            self.clock.advance(1)
