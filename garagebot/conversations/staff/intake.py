"""The service advisor's intake by chat: client phone, plate, complaint →
a session is opened; then photos of the car; then a service template for its
first job card; then the session's screen.

```mermaid
stateDiagram-v2
    [*] --> phone
    phone --> phone: not a phone number (refused with the reason)
    phone --> plate: phone number
    plate --> complaint: plate
    complaint --> photos: complaint (session opened)
    complaint --> second: the car has an active session already
    second --> photos: open a second one (session opened, confirmed)
    second --> sessions.session: keep one (the open session's screen)
    second --> menu.main: keep one, but that session closed meanwhile (nothing opened)
    photos --> photos: photo (attached to the session)
    photos --> template: done / skip
    template --> sessions.session: a template (job card added) / none
```
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import (
    BACK,
    MENU_FLOW,
    MENU_STATE,
    Flow,
    PromptFn,
    StateSpec,
    Step,
    StepContext,
    go,
    stay,
)
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff.sessions import FLOW as SESSIONS
from garagebot.conversations.staff.sessions import SessionsState
from garagebot.conversations.types import Choice, Reply
from garagebot.core.ids import OrgId, SessionId, TemplateId
from garagebot.core.models import RepairSession
from garagebot.core.normalize import phone_e164
from garagebot.core.normalize import plate as canonical_plate
from garagebot.core.ports import FileStorage
from garagebot.core.repair.intake import open_session
from garagebot.core.staff_views import active_templates, find_active_session
from garagebot.core.work.jobcards import add_job_card

FLOW = "intake"


class IntakeState(StrEnum):
    PHONE = "phone"
    PLATE = "plate"
    COMPLAINT = "complaint"
    PHOTOS = "photos"
    TEMPLATE = "template"
    SECOND = "second"


def _ask(key: str) -> PromptFn:
    async def prompt(ctx: StepContext) -> tuple[Reply, ...]:
        return (Reply(key, {}, (BACK,)),)

    return prompt


async def phone(ctx: StepContext) -> Step:
    """The number, checked now (a wrong one is refused here, not after the complaint)."""
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    return go(FLOW, IntakeState.PLATE, data={"phone": phone_e164(text)})


async def plate(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    return go(FLOW, IntakeState.COMPLAINT, data={**ctx.data, "plate": canonical_plate(text)})


async def complaint(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    # Asked before opening: open_session takes the day's number first, so a
    # refusal inside this unit of work would cost a number.
    other = await find_active_session(ctx.uow.session, OrgId(ctx.me.org_id), plate=str(ctx.data.get("plate")))
    if other is not None:
        return go(FLOW, IntakeState.SECOND, data={**ctx.data, "complaint": text, "other": other},
                  remember=False)
    return await _open(ctx, text, confirm_second=False)


async def _open(ctx: StepContext, complaint_text: str, *, confirm_second: bool) -> Step:
    sid = await open_session(ctx.uow, phone=str(ctx.data.get("phone")), plate=str(ctx.data.get("plate")),
                             complaint=complaint_text, locale=ctx.me.locale, confirm_second=confirm_second)
    rs = await ctx.uow.get(RepairSession, sid)
    return go(FLOW, IntakeState.PHOTOS, Reply("staff.session_opened", {"number": rs.number}),
              data={"session": sid}, remember=False)


async def second_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    other = await ctx.uow.get(RepairSession, int(str(ctx.data.get("other"))))
    params = {"number": other.number, "plate": str(ctx.data.get("plate"))}
    return (Reply("staff.intake_second_session", params,
                  (Choice("is:yes", "staff.btn_open_second"), Choice("is:no", "staff.btn_keep_one"))),)


async def second(ctx: StepContext) -> Step:
    """The advisor confirms a second active session for the car, or keeps the one it has."""
    found = c.understood(ctx)
    if ctx.msg.choice == "is:yes" or (found is not None and found.intent == "yes"):
        return await _open(ctx, str(ctx.data.get("complaint")), confirm_second=True)
    if ctx.msg.choice == "is:no" or (found is not None and found.intent == "no"):
        # Asked again: the open session may have been delivered since the question.
        plate = str(ctx.data.get("plate"))
        other = await find_active_session(ctx.uow.session, OrgId(ctx.me.org_id), plate=plate)
        if other is None:
            return go(MENU_FLOW, MENU_STATE, Reply("staff.intake_other_closed"), remember=False)
        return go(SESSIONS, SessionsState.SESSION, Reply("staff.intake_kept_one"), data={"session": other},
                  remember=False)
    return stay(reprompt=True)


class Photos:
    def __init__(self, storage: FileStorage | None) -> None:
        self.storage = storage

    async def handle(self, ctx: StepContext) -> Step:
        session_id = c.data_session(ctx)
        if ctx.msg.media and self.storage is not None and session_id is not None:
            attached = await c.attach_sent_media(ctx, self.storage, session_id=session_id)
            return stay(Reply("staff.media_attached", {"n": len(attached)}))
        found = c.understood(ctx)
        if ctx.msg.choice == "ip:done" or (found is not None and found.intent in ("done", "skip", "no")):
            return go(FLOW, IntakeState.TEMPLATE)
        return stay(reprompt=True)


async def photos_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    return (Reply("staff.intake_photos", {}, (Choice("ip:done", "staff.btn_photos_done"),)),)


async def template_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    rows = await active_templates(ctx.uow.session, OrgId(ctx.me.org_id))
    choices = [Choice(f"it:{t.template_id}", "staff.template_line",
                      {"name": c.localized(ctx, t.name_en, t.name_ar)}) for t in rows]
    return (Reply("staff.intake_template", {}, (*choices, Choice("it:none", "staff.btn_no_template"))),)


async def template(ctx: StepContext) -> Step:
    session_id = c.data_session(ctx) or SessionId(0)
    chosen = c.chosen_id(ctx, "it")
    found = c.understood(ctx)
    skip = ctx.msg.choice == "it:none" or (found is not None and found.intent in ("skip", "no"))
    if chosen is None and not skip:
        return stay(reprompt=True)
    replies: tuple[Reply, ...] = ()
    if chosen is not None:
        await add_job_card(ctx.uow, session_id, TemplateId(chosen))
        replies = (Reply("staff.job_card_added"),)
    return go(SESSIONS, SessionsState.SESSION, *replies, data={"session": session_id}, remember=False)


def intake_flow(storage: FileStorage | None) -> Flow:
    return Flow(FLOW, IntakeState.PHONE, {
        IntakeState.PHONE: StateSpec(_ask("staff.intake_phone"), phone, help_key="staff.help_intake"),
        IntakeState.PLATE: StateSpec(_ask("staff.intake_plate"), plate, help_key="staff.help_intake"),
        IntakeState.COMPLAINT: StateSpec(_ask("staff.intake_complaint"), complaint,
                                         help_key="staff.help_intake"),
        IntakeState.PHOTOS: StateSpec(photos_prompt, Photos(storage).handle, help_key="staff.help_intake"),
        IntakeState.TEMPLATE: StateSpec(template_prompt, template, help_key="staff.help_intake"),
        IntakeState.SECOND: StateSpec(second_prompt, second, help_key="staff.help_intake"),
    })
