"""The assignee picker the lead and the advisor share: each floor person with
their load (open steps, estimated minutes) and whether they have the skill
the work needs, the suggested person first and starred; and the one-tap
assignment of a whole job card."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from garagebot.conversations.router import StepContext
from garagebot.conversations.staff import common as c
from garagebot.conversations.types import Choice, Reply
from garagebot.core.ids import JobCardId, SessionId, StepId, UserId
from garagebot.core.models import JobCard, Step, User
from garagebot.core.work.assignment import assign_step
from garagebot.core.work.machines import CLOSED_JOB_CARD_STATUSES
from garagebot.core.work.picker import assign_job_card, candidates, open_steps_of

PROMPT = "floor.assign_prompt"
CARD_PREFIX = "sj"


async def person_choices(ctx: StepContext, prefix: str, step_ids: Sequence[StepId]) -> tuple[Choice, ...]:
    """``<prefix>:<user id>`` buttons for the people who could do ``step_ids``."""
    needed = set()
    for step_id in step_ids:
        skill = (await ctx.uow.get(Step, step_id)).required_skill
        if skill:
            needed.add(skill)
    out = []
    for person in await candidates(ctx.uow, step_ids):
        params: dict[str, str | int] = {
            "name": person.name, "jobs": person.open_steps, "minutes": person.open_minutes}
        key = "floor.pick_line"
        if needed:
            missing = sorted(needed - person.skills)
            key = "floor.pick_line_lacks" if missing else "floor.pick_line_has"
            params["@skill"] = f"skill.{(missing or sorted(needed))[0]}"
        out.append(Choice(f"{prefix}:{person.user_id}", key + ("_top" if person.suggested else ""), params))
    return tuple(out)


async def card_choices(ctx: StepContext, session_id: SessionId) -> tuple[Choice, ...]:
    """``sj:<job card>`` buttons: give all of a job card's open steps to one person."""
    cards = (await ctx.uow.session.scalars(select(JobCard).where(
        JobCard.organization_id == ctx.uow.org_id, JobCard.session_id == session_id,
        JobCard.status.not_in([s.value for s in CLOSED_JOB_CARD_STATUSES])).order_by(JobCard.id))).all()
    out = []
    for card in cards:
        if await open_steps_of(ctx.uow, JobCardId(card.id)):
            out.append(Choice(f"{CARD_PREFIX}:{card.id}", "floor.assign_card_line",
                              {"title": c.localized(ctx, card.title_en, card.title_ar)}))
    return tuple(out)


async def work_of(ctx: StepContext) -> list[StepId]:
    """The steps the picker is for: the chosen step, or the chosen card's open steps."""
    card = c.data_int(ctx.data, "card")
    if card is not None:
        return [StepId(s.id) for s in await open_steps_of(ctx.uow, JobCardId(card))]
    step = c.data_int(ctx.data, "step")
    return [] if step is None else [StepId(step)]


async def picker(ctx: StepContext, prefix: str, *extra: Choice) -> tuple[Reply, ...]:
    choices = await person_choices(ctx, prefix, await work_of(ctx))
    return (Reply(PROMPT, {}, (*choices, *extra)),)


async def assign_chosen(ctx: StepContext, person: UserId, *, override: bool = False) -> Reply:
    """Give the chosen step, or every open step of the chosen card, to ``person``."""
    card_id = c.data_int(ctx.data, "card")
    if card_id is None:
        await assign_step(ctx.uow, StepId(c.data_int(ctx.data, "step") or 0), person, override=override)
        return Reply("staff.assigned")
    n = await assign_job_card(ctx.uow, JobCardId(card_id), person)
    card = await ctx.uow.get(JobCard, card_id)
    who = await ctx.uow.get(User, person)
    return Reply("floor.card_assigned", {"title": c.localized(ctx, card.title_en, card.title_ar),
                                         "name": who.name, "n": n})
