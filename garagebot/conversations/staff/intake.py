"""The service advisor's intake by chat: client phone (and the name of a
new client), plate (a car registered to another client is confirmed first),
complaint → a session is opened; then photos of the car; then a service
template for its first job card; then the session's screen. A new client
gets the garage's language, not the advisor's.

```mermaid
stateDiagram-v2
    [*] --> phone
    phone --> phone: not a phone number (refused with the reason)
    phone --> name: a new client (or one without a name)
    phone --> plate: a known client
    name --> plate: name
    plate --> owner: the car is registered to another client
    plate --> complaint: plate
    owner --> complaint: the owner's car (their number) / open for this number
    owner --> plate: type the plate again
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
from garagebot.core.clientlookup import client_by_phone
from garagebot.core.ids import OrgId, SessionId, TemplateId
from garagebot.core.intake_views import plate_owner
from garagebot.core.models import RepairSession
from garagebot.core.normalize import phone_e164
from garagebot.core.normalize import plate as canonical_plate
from garagebot.core.ports import FileStorage
from garagebot.core.repair.clients import MAX_NAME
from garagebot.core.repair.intake import open_session
from garagebot.core.staff_views import active_templates, find_active_session
from garagebot.core.work.jobcards import add_job_card

FLOW = "intake"


class IntakeState(StrEnum):
    PHONE = "phone"
    NAME = "name"
    PLATE = "plate"
    OWNER = "owner"
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
    number = phone_e164(text)
    known = await client_by_phone(ctx.uow.session, OrgId(ctx.me.org_id), number)
    if known is None or not known.name:
        return go(FLOW, IntakeState.NAME, data={"phone": number})
    return go(FLOW, IntakeState.PLATE, data={"phone": number})


async def name(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text or c.understood(ctx) is not None:
        return stay(reprompt=True)
    return go(FLOW, IntakeState.PLATE, data={**ctx.data, "name": text[:MAX_NAME]})


async def plate(ctx: StepContext) -> Step:
    text = c.typed(ctx)
    if not text:
        return stay(reprompt=True)
    data = {**ctx.data, "plate": canonical_plate(text)}
    org = OrgId(ctx.me.org_id)
    owner = await plate_owner(ctx.uow.session, org, str(data["plate"]))
    if owner is not None and owner.phone != str(ctx.data.get("phone")):
        return go(FLOW, IntakeState.OWNER, data={**data, "owner": owner.client_id})
    return go(FLOW, IntakeState.COMPLAINT, data=data)


async def owner_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    found = await plate_owner(ctx.uow.session, OrgId(ctx.me.org_id), str(ctx.data.get("plate")))
    who = found.name if found is not None and found.name else "-"
    tail = found.phone[-4:] if found is not None else "-"
    return (Reply("floor.intake_plate_owner", {"plate": str(ctx.data.get("plate")), "owner": who,
                                               "tail": tail, "phone": str(ctx.data.get("phone"))}, (
        Choice("io:owner", "floor.btn_owner_car", {"owner": who}),
        Choice("io:new", "floor.btn_this_number"),
        Choice("io:plate", "floor.btn_retype_plate"), BACK)),)


async def owner(ctx: StepContext) -> Step:
    """The car is the registered owner's (their number is used), or this
    number's after all (the car stays registered to its owner), or a typo."""
    if ctx.msg.choice == "io:plate":
        return go(FLOW, IntakeState.PLATE, data={k: v for k, v in ctx.data.items() if k != "plate"},
                  remember=False)
    if ctx.msg.choice == "io:new":
        return go(FLOW, IntakeState.COMPLAINT, data=ctx.data, remember=False)
    if ctx.msg.choice == "io:owner":
        found = await plate_owner(ctx.uow.session, OrgId(ctx.me.org_id), str(ctx.data.get("plate")))
        if found is not None:
            data = {k: v for k, v in ctx.data.items() if k != "name"}
            return go(FLOW, IntakeState.COMPLAINT, data={**data, "phone": found.phone}, remember=False)
    return stay(reprompt=True)


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
    # No locale: a new client gets the garage's language (the advisor's is theirs alone).
    given = ctx.data.get("name")
    sid = await open_session(ctx.uow, phone=str(ctx.data.get("phone")), plate=str(ctx.data.get("plate")),
                             complaint=complaint_text, client_name=str(given) if given else None,
                             confirm_second=confirm_second)
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
        IntakeState.NAME: StateSpec(_ask("floor.intake_name"), name, help_key="staff.help_intake"),
        IntakeState.PLATE: StateSpec(_ask("staff.intake_plate"), plate, help_key="staff.help_intake"),
        IntakeState.OWNER: StateSpec(owner_prompt, owner, help_key="staff.help_intake"),
        IntakeState.COMPLAINT: StateSpec(_ask("staff.intake_complaint"), complaint,
                                         help_key="staff.help_intake"),
        IntakeState.PHOTOS: StateSpec(photos_prompt, Photos(storage).handle, help_key="staff.help_intake"),
        IntakeState.TEMPLATE: StateSpec(template_prompt, template, help_key="staff.help_intake"),
        IntakeState.SECOND: StateSpec(second_prompt, second, help_key="staff.help_intake"),
    })
