"""A vehicle inspection from the chat: the technician (or lead) picks a car,
answers item by item — one tap for OK / ⚠ Advisory / ⛔ Critical, or a
number for a measured item (the thresholds set the severity; Arabic-Indic
digits accepted) — and adds a note, a photo or a video to the last finding
by simply sending it. A section can be skipped; leaving and coming back
resumes at the first unanswered item. At the end a summary; the advisor
turns the findings into quote lines (then edits them in the quote flow) and
publishes the report to the client.

```mermaid
stateDiagram-v2
    [*] --> pick
    pick --> item: a car (start or resume)
    pick --> review: a car whose inspection is done
    pick --> inspection_history.show: car history
    item --> item: OK / advisory / critical / a number / note / photo / video / skip section
    item --> review: the last item answered
    review --> quote.preview: quote lines (advisor)
    review --> review: publish, then yes (the client gets the report) / no
```

Buttons carry the item's position (``iv:ok:<n>``), so a tap on an older
message never answers another item; a car's button is re-checked against the
garage's cars on site.
"""

from __future__ import annotations

from enum import StrEnum

from garagebot.conversations.router import BACK, Flow, StateSpec, Step, StepContext, go, stay
from garagebot.conversations.staff import common as c
from garagebot.conversations.staff import inspect_views as v
from garagebot.conversations.types import Choice, MediaKind, Reply
from garagebot.core.errors import InvalidInput
from garagebot.core.ids import SessionId
from garagebot.core.inspections.enums import FindingId, InspectionId, InspectionStatus, Severity
from garagebot.core.inspections.recommend import publish_inspection, recommend
from garagebot.core.inspections.service import (
    Recorded,
    attach_to_finding,
    findings_of,
    next_item,
    note_finding,
    record_item,
    skip_section,
    start_inspection,
    template_copy,
)
from garagebot.core.models import Inspection, RepairSession
from garagebot.core.normalize import ascii_digits, clean_text
from garagebot.core.permissions import Permission, allowed
from garagebot.core.ports import FileStorage
from garagebot.core.work.media import MediaKind as StoredKind

FLOW = "inspect"
HISTORY = Choice("ih:history", "inspections.menu_history")
ANSWERS = {"ok": Severity.OK, "adv": Severity.ADVISORY, "crit": Severity.CRITICAL}
_MEDIA = {MediaKind.PHOTO: StoredKind.PHOTO, MediaKind.VIDEO: StoredKind.VIDEO}
_TYPES = {StoredKind.PHOTO: "image/jpeg", StoredKind.VIDEO: "video/mp4"}


class S(StrEnum):
    PICK = "pick"
    ITEM = "item"
    REVIEW = "review"


def _ins(ctx: StepContext) -> InspectionId:
    return InspectionId(c.data_int(ctx.data, "insp") or 0)


async def pick_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    cars = await v.cars(ctx)
    if not cars:
        return (Reply("inspections.no_cars", {}, (HISTORY, BACK)),)
    return (Reply("inspections.pick", {}, (HISTORY, *(v.car_choice(ctx, car) for car in cars), BACK)),)


async def pick(ctx: StepContext) -> Step:
    if c.pressed(ctx, HISTORY.id):
        return go("inspection_history", "show")
    chosen = c.chosen_id(ctx, "ip")
    car = next((x for x in await v.cars(ctx) if x.session_id == chosen), None)
    if car is None:  # not one of this garage's cars on site (or a stale button)
        return stay(Reply("inspections.pick_a_car"), reprompt=True)
    ins = car.inspection
    if ins is not None and ins.status != InspectionStatus.IN_PROGRESS.value:
        return go(FLOW, S.REVIEW, data={"insp": ins.id, "session": car.session_id})
    if not allowed(ctx.me.role, Permission.INSPECT):
        return stay(Reply("inspections.not_inspected_yet", {"plate": car.plate}), reprompt=True)
    insp, resumed = await start_inspection(ctx.uow, car.session_id)
    said = (Reply("inspections.resumed", {"plate": car.plate}),) if resumed else \
        (Reply("inspections.started", {"plate": car.plate, "number": car.number}),)
    return go(FLOW, S.ITEM, *said, data={"insp": insp, "session": car.session_id})


async def _current(ctx: StepContext) -> tuple[Inspection, int | None]:
    row = await ctx.uow.get(Inspection, _ins(ctx))
    index = next_item(template_copy(row), await findings_of(ctx.uow, row.id)) \
        if row.status == InspectionStatus.IN_PROGRESS.value else None
    return row, index


async def item_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    row, index = await _current(ctx)
    if index is None:
        return await review_prompt(ctx)
    template = template_copy(row)
    buttons = (Choice(f"iv:ok:{index}", "inspections.btn_ok"),
               Choice(f"iv:adv:{index}", "inspections.btn_advisory"),
               Choice(f"iv:crit:{index}", "inspections.btn_critical"),
               Choice(f"iv:skip:{index}", "inspections.btn_skip_section"))
    key = v.item_key(template.items()[index][1].measure)
    return (Reply(key, v.item_params(ctx, template, index), buttons),)


def _answer(ctx: StepContext) -> tuple[str, int] | None:
    kind, _, tail = (ctx.msg.choice or "").removeprefix("iv:").partition(":")
    if not (ctx.msg.choice or "").startswith("iv:") or not tail.isdigit():
        return None
    return kind, int(tail)


def _last(ctx: StepContext) -> FindingId | None:
    found = c.data_int(ctx.data, "last")
    return None if found is None else FindingId(found)


def _data(ctx: StepContext, last: int | None) -> dict[str, int]:
    base = {"insp": _ins(ctx), "session": c.data_int(ctx.data, "session") or 0}
    return base if last is None else {**base, "last": last}


class Item:
    """The item state, with the file storage for photos and videos."""

    def __init__(self, storage: FileStorage | None) -> None:
        self.storage = storage

    async def handle(self, ctx: StepContext) -> Step:
        row, index = await _current(ctx)
        if index is None:
            return go(FLOW, S.REVIEW, data=_data(ctx, None), remember=False)
        if ctx.msg.media:
            return await self._media(ctx)
        answer = _answer(ctx)
        if answer is not None:
            return await _tapped(ctx, row, index, *answer)
        text = c.typed(ctx)
        item = template_copy(row).items()[index][1]
        if text and item.measure is not None and _numeric(text):
            done = await record_item(ctx.uow, _ins(ctx), item.key, value=text)
            said = Reply("inspections.measured", {
                "value": v.fmt(done.value) if done.value is not None else text,
                "unit": v.unit(ctx, item.measure.unit),
                "severity": v.severity_label(ctx, done.severity)})
            return _after(ctx, done, said)
        last = _last(ctx)
        if text and last is not None:
            await note_finding(ctx.uow, last, text)
            return stay(Reply("inspections.note_saved"), reprompt=True)
        return stay(Reply("inspections.tap_or_measure" if item.measure else "inspections.tap_an_answer"),
                    reprompt=True)

    async def review(self, ctx: StepContext) -> Step:
        """The summary: a note or a file for the last finding (whoever inspects),
        the advisor's buttons (whoever publishes)."""
        text = c.typed(ctx)
        if _last(ctx) is not None and allowed(ctx.me.role, Permission.INSPECT):
            if ctx.msg.media:
                return await self._media(ctx)
            if text:
                await note_finding(ctx.uow, _last(ctx) or FindingId(0), text)
                return stay(Reply("inspections.note_saved"), reprompt=True)
        return await review(ctx)

    async def _media(self, ctx: StepContext) -> Step:
        last = _last(ctx)
        if last is None or self.storage is None:
            return stay(Reply("inspections.media_needs_finding"), reprompt=True)
        saved = 0
        for ref in ctx.msg.media:
            kind = _MEDIA.get(ref.kind)
            if kind is None:
                raise InvalidInput("inspections.media_photo_or_video")
            data = await ctx.fetch(ref)
            await attach_to_finding(ctx.uow, self.storage, last, kind=kind,
                                    content_type=ref.mime_type or _TYPES[kind], data=data,
                                    caption=clean_text(ctx.msg.text) or None)
            saved += 1
        return stay(Reply("inspections.media_saved", {"count": saved}), reprompt=True)


def _numeric(text: str) -> bool:
    head = ascii_digits(text.strip()).lstrip("-−+")
    return bool(head) and (head[0].isdigit() or head[0] in ".٫")


def _after(ctx: StepContext, done: Recorded | None, *said: Reply) -> Step:
    """The next item (remembering a finding for its note or file), or the
    summary when that was the last one."""
    noted = done is not None and done.severity in (Severity.ADVISORY, Severity.CRITICAL)
    finding = done.finding_id if done is not None and noted else None
    detail = (Reply("inspections.add_detail"),) if finding is not None else ()
    if done is not None and done.completed:
        # the last finding still takes its note or file from the summary
        return go(FLOW, S.REVIEW, *said, *detail, Reply("inspections.completed"), data=_data(ctx, finding),
                  remember=False)
    return stay(*said, *detail, data=_data(ctx, finding), reprompt=True)


async def _tapped(ctx: StepContext, row: Inspection, index: int, kind: str, at: int) -> Step:
    if at != index:  # a button of an item already answered (an older message)
        return stay(Reply("inspections.stale_button"), reprompt=True)
    section, item = template_copy(row).items()[index]
    if kind == "skip":
        skipped = await skip_section(ctx.uow, _ins(ctx), section.key)
        return _after(ctx, skipped, Reply("inspections.section_skipped", {
            "section": c.localized(ctx, section.name_en, section.name_ar)}))
    severity = ANSWERS.get(kind)
    if severity is None:
        return stay(reprompt=True)
    return _after(ctx, await record_item(ctx.uow, _ins(ctx), item.key, severity=severity))


async def review_prompt(ctx: StepContext) -> tuple[Reply, ...]:
    row = await ctx.uow.get(Inspection, _ins(ctx))
    rs = await ctx.uow.get(RepairSession, row.session_id)
    params = v.summary_params(ctx, template_copy(row), await findings_of(ctx.uow, row.id), row, rs.number)
    if ctx.data.get("confirm"):
        return (Reply("inspections.confirm_publish", {"number": rs.number},
                      (Choice("ir:yes", "inspections.btn_yes_publish"),
                       Choice("ir:no", "inspections.btn_no"))),)
    actions: list[Choice] = []
    if allowed(ctx.me.role, Permission.PUBLISH_INSPECTION) and row.status == InspectionStatus.COMPLETED.value:
        actions = [Choice("ir:quote", "inspections.btn_quote"),
                   Choice("ir:publish", "inspections.btn_publish")]
    return (Reply("inspections.summary", params, (*actions, BACK)),)


async def review(ctx: StepContext) -> Step:
    base = {"insp": _ins(ctx), "session": c.data_int(ctx.data, "session") or 0}
    if not allowed(ctx.me.role, Permission.PUBLISH_INSPECTION):  # the buttons are the advisor's
        return stay(data=base, reprompt=True)
    if ctx.data.get("confirm"):
        if c.pressed(ctx, "ir:yes"):
            await publish_inspection(ctx.uow, _ins(ctx))
            return stay(Reply("inspections.published"), data=base, reprompt=True)
        return stay(data=base, reprompt=True)
    if c.pressed(ctx, "ir:quote"):
        await recommend(ctx.uow, _ins(ctx))
        row = await ctx.uow.get(Inspection, _ins(ctx))
        return go("quote", "preview", Reply("inspections.lines_made"),
                  data={"session": SessionId(row.session_id)})
    if c.pressed(ctx, "ir:publish"):
        return stay(data={**base, "confirm": True}, reprompt=True)
    return stay(reprompt=True)


def inspect_flow(storage: FileStorage | None) -> Flow:
    item = Item(storage)
    return Flow(FLOW, S.PICK, {
        S.PICK.value: StateSpec(pick_prompt, pick, help_key="inspections.help"),
        S.ITEM.value: StateSpec(item_prompt, item.handle, help_key="inspections.help_item"),
        S.REVIEW.value: StateSpec(review_prompt, item.review, help_key="inspections.help"),
    })
