"""The people of the repair journey and what each of them does, in chat."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from garagebot.core.ids import OrgId
from garagebot.core.models import RepairSession
from garagebot.core.uow import Database
from tests.journeys.harness import App, ClientPhone, Inbox, StaffPhone


@dataclass(frozen=True)
class Words:
    """What the people of one language type and see."""

    locale: str
    new_car: str
    name: str
    complaint: str
    done: str
    template: str
    step_1: str
    step_2: str
    approve_1_3: str
    amount: str
    pin: str
    rating: str
    comment: str


ENGLISH = Words("en", "new car", "Rami Khoury", "Squeaking front brakes", "done", "Front brake service",
                "Replace the pads", "Road test", "approve 1,3", "34.870", "pin", "5", "Quick and friendly")
ARABIC = Words("ar", "سيارة جديدة", "رامي خوري", "صوت في الفرامل الأمامية", "تم", "صيانة الفرامل الأمامية",
               "تبديل الفحمات", "تجربة على الطريق", "موافق 1,3", "٣٤٫٨٧٠", "رمز الاستلام", "5", "خدمة ممتازة")


@dataclass
class Cast:
    app: App
    db: Database
    org: OrgId
    slug: str
    words: Words
    advisor: StaffPhone
    manager: StaffPhone
    tech: StaffPhone
    lead: StaffPhone
    store: StaffPhone
    client: ClientPhone
    lines: list[int] = field(default_factory=list)

    def people(self) -> dict[str, Inbox]:
        return {"advisor": self.advisor, "manager": self.manager, "tech": self.tech, "lead": self.lead,
                "store": self.store, "client": self.client}

    async def told(self, **expected: list[str]) -> None:
        """Exactly these new messages to these people, and nothing to anyone else."""
        heard = {name: [s.key for s in await person.new()] for name, person in self.people().items()}
        assert heard == {name: expected.get(name, []) for name in heard}

    async def intake(self) -> str:
        a, w = self.advisor, self.words
        assert await a.say(w.new_car) == ["staff.intake_phone"]
        assert await a.say(self.client.phone) == ["floor.intake_name"]
        assert await a.say(w.name) == ["staff.intake_plate"]
        assert await a.say("12-34567") == ["staff.intake_complaint"]
        assert await a.say(w.complaint) == ["staff.session_opened", "staff.intake_photos"]
        assert await a.say(w.done) == ["staff.intake_template"]
        assert await a.press("it:", w.template) == ["staff.job_card_added", "staff.session_card"]
        assert await a.press("sa:checkin") == ["staff.checked_in", "staff.session_card"]
        await self.told(client=["notify.session_opened"])
        async with self.db.read() as s:
            return (await s.scalars(select(RepairSession.number).where(
                RepairSession.organization_id == self.org))).one()

    async def reserve_the_part(self, number: str) -> None:
        a = self.advisor
        assert await a.say("menu") == ["bot.menu"]
        assert await a.press("m:parts") == ["staff.parts_which_session"]
        assert await a.say(number) == ["staff.parts_search"]
        assert await a.say("brake") == ["staff.parts_results"]
        assert await a.press("pi:") == ["staff.parts_quantity"]
        assert await a.say("1") == ["staff.part_reserved", "staff.parts_search"]
        await self.told()

    async def diagnose_and_assign(self, number: str) -> None:
        a = self.advisor
        assert await a.say("menu") == ["bot.menu"]
        assert await a.press("m:sessions") == ["staff.sessions_lists"]
        assert await a.say(number) == ["staff.session_card"]
        assert await a.press("sa:more") == ["control.menu"]
        assert await a.press("sc:diagnose") == ["control.diagnosing", "staff.session_card"]
        assert await a.press("sa:assign") == ["staff.assign_which_step"]
        assert await a.press("sj:") == ["floor.assign_prompt"]
        assert await a.press("su:", "⭐ Sami") == ["floor.card_assigned", "staff.session_card"]
        await self.told(tech=["floor.told_assigned_card"])

    async def quote_with_an_approved_discount(self) -> None:
        """Labour from the template and the reserved part; 10 % off, above the advisor's 3 % (the file's)."""
        a, m = self.advisor, self.manager
        assert await a.press("sa:quote") == ["quote.preview"]
        self.lines = [int(c.split(":")[1]) for c in a.choices() if c.startswith("ql:")]
        assert len(self.lines) == 3
        assert await a.press("qa:discount") == ["quote.discount_prompt"]
        assert await a.say("10%") == ["quote.discount_set", "quote.preview", "quote.discount_waits"]
        await self.told(manager=["floor.told_discount"])
        assert await m.say("menu") == ["bot.menu"]
        assert await m.press("m:manager") == ["staff.manager_home"]
        assert await m.press("mg:discounts") == ["staff.discounts_list"]
        assert await m.press("md:") == ["staff.discount_approved", "advisor.author_told",
                                        "staff.discounts_list"]
        await self.told(advisor=["billing.discount_approved_notice"])
        assert await a.press("qa:send") == ["quote.confirm_send"]
        assert await a.press("qa:yes") == ["staff.quote_sent", "staff.session_card"]
        await self.told(client=["notify.approval_requested"])

    async def technician_works(self) -> None:
        """Both steps: start, the checklist, the photo the first one requires, the part used, done."""
        t, w = self.tech, self.words
        assert await t.say("menu") == ["bot.menu"]
        assert await t.press("m:jobs") == ["staff.my_jobs"]
        assert await t.press("tj:", w.step_1) == ["staff.step_not_started"]
        assert await t.press("ts:start") == ["staff.timer_started", "staff.step_in_progress"]
        assert await t.press("tc:") == ["staff.ticked", "staff.step_in_progress"]
        assert await t.photo() == ["staff.media_attached", "staff.step_in_progress"]
        assert await t.press("ts:parts") == ["staff.parts_search"]
        for state in ("rp:pick", "rp:consume"):
            assert await t.press("pr:") == ["staff.reservation_card"]
            assert (await t.press(state))[-1] == "staff.parts_search"
        assert await t.say("menu") == ["bot.menu"]
        assert await t.press("m:jobs") == ["staff.my_jobs"]
        assert await t.press("tj:", w.step_1) == ["staff.step_in_progress"]
        assert await t.press("ts:done") == ["floor.step_finished", "staff.my_jobs"]
        assert await t.press("tj:", w.step_2) == ["staff.step_not_started"]
        assert await t.press("ts:start") == ["staff.timer_started", "staff.step_in_progress"]
        assert await t.press("ts:done") == ["floor.step_finished", "staff.no_jobs"]
        await self.told(lead=["floor.told_review"])

    async def lead_reviews_and_qc(self, number: str) -> None:
        lead, a = self.lead, self.advisor
        assert await lead.say("menu") == ["bot.menu"]
        assert await lead.press("m:lead") == ["staff.lead_queue"]
        assert await lead.press("lr:") == ["staff.review_card"]
        assert await lead.press("lc:approve") == ["staff.review_approved", "staff.lead_queue"]
        await self.told()
        assert await a.say("menu") == ["bot.menu"]
        assert await a.press("m:sessions") == ["staff.sessions_lists"]
        assert await a.say(number) == ["staff.session_card"]
        assert await a.press("sa:qc") == ["qc.checklist"]
        assert await a.press("qc:all") == ["qc.confirm_all"]
        assert await a.press("qc:yes") == ["qc.all_ticked", "qc.checklist"]
        assert await a.press("qc:ready") == ["staff.marked_ready", "staff.session_card"]
        await self.told(client=["notify.ready_for_pickup"])

    async def invoice_and_payment(self, number: str) -> None:
        a = self.advisor
        assert await a.press("sa:invoice") == ["billing.invoice_card"]
        assert await a.press("bv:issue") == ["billing.issued", "billing.invoice_card"]
        await self.told(client=["notify.invoice_issued"])
        assert await a.press("bv:pay") == ["billing.method_prompt"]
        assert await a.press("pm:CASH") == ["billing.amount_prompt"]
        assert await a.say(self.words.amount) == ["billing.reference_prompt"]
        assert await a.press("pr:none") == ["billing.payment_recorded", "billing.receipt_sent",
                                            "billing.invoice_card"]
        await self.told(client=["billing.payment_receipt"])

    async def client_asks_the_pin(self, number: str) -> str:
        async with self.db.read() as s:
            pin = (await s.scalars(select(RepairSession.delivery_pin).where(
                RepairSession.number == number, RepairSession.organization_id == self.org))).one()
        assert pin is not None
        assert await self.client.write(self.words.pin) == ["client.pin"]
        assert pin in self.client.text()
        await self.told()
        return pin

    async def delivery_and_rating(self, number: str, pin: str) -> None:
        a, c = self.advisor, self.client
        assert await a.say("menu") == ["bot.menu"]
        assert await a.press("m:sessions") == ["staff.sessions_lists"]
        assert await a.say(number) == ["staff.session_card"]
        assert await a.press("sa:complete") == ["staff.session_completed", "staff.session_card"]
        assert await a.press("sa:deliver") == ["staff.pin_prompt"]
        assert await a.say(pin) == ["staff.delivered", "staff.sessions_lists"]
        await self.told(client=["notify.delivered"])
        assert await c.write(self.words.rating) == ["client.rating_thanks"]
        assert await c.write(self.words.comment) == ["client.comment_thanks"]
        await self.told(manager=["floor.told_comment"])

