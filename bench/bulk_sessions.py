"""Sessions, their job cards, steps and status history for the bulk seed.

``garage_chunks`` walks one garage's history oldest first, numbering
sessions ``SES-YYYYMMDD-NNN`` per day in the garage's time zone as the
service does, and yields bounded chunks of rows; the last chunk carries the
counter rows, so the next session opened through the service continues the
day's numbers without a gap.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

from bench.bulk_rows import (
    CANCELLED_SHARE,
    COMPLAINTS,
    FINISHED,
    SESSION_KIND,
    TZ,
    Chunk,
    GaragePlan,
    Ids,
    Row,
    cars,
    open_statuses,
    people,
    session_times,
    steps_per_session,
)
from garagebot.app.demo import demo_templates
from garagebot.core.enums import JobCardStatus, ReviewOutcome, StepStatus
from garagebot.core.enums import SessionStatus as St

_STAGES = (St.NEW, St.DIAGNOSING, St.AWAITING_CLIENT_APPROVAL, St.AWAITING_PARTS,
           St.IN_PROGRESS, St.QA_CHECK, St.READY_FOR_PICKUP, St.COMPLETED, St.DELIVERED)
_PREVIOUS = {b: a for a, b in pairwise(_STAGES)}
_PREVIOUS[St.ON_HOLD] = St.AWAITING_PARTS
_PREVIOUS[St.CANCELLED] = St.DIAGNOSING
_HOUR = dt.timedelta(hours=1)
_STEP_GAP = dt.timedelta(minutes=35)
_DONE, _RUNNING, _TODO, _SKIPPED = (StepStatus.DONE.value, StepStatus.IN_PROGRESS.value,
                                    StepStatus.NOT_STARTED.value, StepStatus.SKIPPED.value)


@dataclass(frozen=True, slots=True)
class _TStep:
    group: int | None
    name_en: str
    name_ar: str
    skill: str | None
    assembly: bool
    attachments: int
    minutes: int
    price: Decimal | None
    duration: dt.timedelta


TEMPLATES = demo_templates()
_TEMPLATE_STEPS = tuple(
    tuple(_TStep(s.parallel_group, s.name_en, s.name_ar, str(s.required_skill) if s.required_skill else None,
                 s.assembly, s.required_attachments, s.estimated_minutes, s.flat_price,
                 dt.timedelta(minutes=s.estimated_minutes))
          for s in t.steps)
    for t in TEMPLATES
)


class _Garage:
    """One garage's generation state: staff pools, first ids, numbering, the clock cap."""

    def __init__(self, plan: GaragePlan, ids: Ids, now: dt.datetime, rng: random.Random) -> None:
        self.plan, self.ids, self.now, self.rng = plan, ids, now, rng
        self.org = plan.staff.org_id
        self.by_skill = plan.staff.by_skill()
        self.per_day: Tally[dt.date] = Tally()
        self.first_client = ids.take("client", plan.clients)
        self.first_vehicle = ids.take("vehicle", plan.vehicles)

    def number(self, opened: dt.datetime) -> str:
        day = opened.astimezone(TZ).date()
        self.per_day[day] += 1
        return f"SES-{day:%Y%m%d}-{self.per_day[day]:03d}"

    def at(self, base: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        return min(base + delta, self.now)

    def assignee(self, step: _TStep) -> int:
        pool = self.plan.staff.assistants if step.assembly else self.by_skill.get(step.skill)
        pool = pool or self.by_skill[None]
        return pool[self.rng.randrange(len(pool))]

    def counters(self) -> list[Row]:
        return [(self.org, SESSION_KIND, f"{d:%Y%m%d}", n) for d, n in sorted(self.per_day.items())]


def _progress(status: St, k: int, rng: random.Random) -> tuple[int, bool]:
    """How many of ``k`` steps are done, and whether the next one is under way."""
    if status in FINISHED:
        return k, False
    if status is St.DIAGNOSING:
        return 0, True
    if status in (St.AWAITING_CLIENT_APPROVAL, St.AWAITING_PARTS):
        return min(1, k), False
    if status is St.IN_PROGRESS:
        return (rng.randrange(1, k), True) if k > 1 else (0, True)
    if status is St.ON_HOLD:
        return rng.randrange(k), False
    return 0, False  # NEW, CANCELLED


def _session(g: _Garage, c: Chunk, status: St, opened: dt.datetime, vehicle: int) -> int:
    """Append the session row and its status history; return the session id."""
    rng, sid = g.rng, g.ids.take("repair_session")
    stage = _STAGES.index(status) if status in _STAGES else 2
    changed = g.at(opened, _HOUR * (1 + 2 * stage))
    done = status in (St.COMPLETED, St.DELIVERED)
    completed = g.at(opened, _HOUR * (5 + rng.randrange(30))) if done else None
    delivered = g.at(opened, _HOUR * (40 + rng.randrange(8))) if status is St.DELIVERED else None
    changed = delivered or completed or changed
    advisors = g.plan.staff.advisors
    c.rows["repair_session"].append((
        sid, g.org, g.number(opened), g.first_client + vehicle % g.plan.clients,
        g.first_vehicle + vehicle, None, advisors[sid % len(advisors)], status.value,
        St.AWAITING_PARTS.value if status is St.ON_HOLD else None, COMPLAINTS[sid % len(COMPLAINTS)],
        int(sid % 17 == 0), rng.randint(5_000, 350_000), opened, opened,
        g.at(opened, _HOUR) if stage >= 2 else None, g.at(opened, 26 * _HOUR), changed, completed,
        delivered, f"{rng.randrange(10_000):04d}", None, False,
        "Client declined the quote" if status is St.CANCELLED else None,
    ))
    advisor = advisors[sid % len(advisors)]
    history = c.rows["session_status_change"]
    history.append((g.ids.take("session_status_change"), g.org, sid, None, St.NEW.value, "user",
                    advisor, None, opened))
    if status is not St.NEW:
        history.append((g.ids.take("session_status_change"), g.org, sid, _PREVIOUS[status].value,
                        status.value, "user", advisor, None, changed))
    return sid


def _work(g: _Garage, c: Chunk, sid: int, status: St, opened: dt.datetime, k: int) -> None:
    """Append ``k`` steps in job cards of at most three, in the state ``status`` implies."""
    done, running = _progress(status, k, g.rng)
    cancelled, unassigned = status is St.CANCELLED, status is St.NEW
    cards, steps, lead = c.rows["job_card"], c.rows["step"], g.plan.staff.lead
    j = 0  # index of the step within the session
    for pos, size in enumerate(_card_sizes(k), start=1):
        t = g.rng.randrange(len(TEMPLATES))
        tsteps, card = _TEMPLATE_STEPS[t], g.ids.take("job_card")
        finished_at = opened
        for p in range(size):
            ts = tsteps[p % len(tsteps)]
            start = finished = None
            if j < done:
                state, start = _DONE, g.at(opened, _STEP_GAP * (j + 1))
                finished = finished_at = g.at(start, ts.duration)
            elif j == done and running:
                state, start = _RUNNING, g.at(opened, _STEP_GAP * (j + 1))
            else:
                state = _SKIPPED if cancelled else _TODO
            steps.append((
                g.ids.take("step"), g.org, card, sid, p + 1, ts.group, ts.name_en, ts.name_ar,
                ts.skill, ts.assembly, ts.attachments, ts.minutes, ts.price, state,
                None if unassigned else g.assignee(ts), start, finished, None, None,
            ))
            j += 1
        all_done, begun = j <= done, j - size < done or (running and j - size <= done < j)
        card_state = (JobCardStatus.REJECTED if cancelled else JobCardStatus.COMPLETED if all_done
                      else JobCardStatus.IN_PROGRESS if begun else JobCardStatus.PENDING)
        cards.append((
            card, g.org, sid, g.plan.template_ids[t], TEMPLATES[t].name_en, TEMPLATES[t].name_ar,
            card_state.value, pos, lead if all_done else None, finished_at if all_done else None,
            ReviewOutcome.APPROVED.value if all_done else None, None, opened,
        ))


def _card_sizes(k: int) -> list[int]:
    n = (k + 2) // 3
    return [k // n + (1 if i < k % n else 0) for i in range(n)]


def garage_chunks(plan: GaragePlan, ids: Ids, now: dt.datetime, days: int, rng: random.Random,
                  chunk_sessions: int = 5000) -> Iterator[Chunk]:
    """Every row of one garage, in chunks of about ``chunk_sessions`` sessions."""
    g = _Garage(plan, ids, now, rng)
    first = Chunk()
    first.rows["client"] = people(plan.clients, g.org, g.first_client, now)
    first.rows["vehicle"] = cars(plan, g.first_vehicle, g.first_client, now, rng)
    yield first
    times = session_times(plan.sessions, now, days, rng)
    opens = open_statuses(plan, rng)
    counts = steps_per_session(plan.sessions, plan.steps, rng)
    own_vehicle = dict(zip(sorted(opens), rng.sample(range(plan.vehicles), len(opens)), strict=True))
    for lo in range(0, plan.sessions, chunk_sessions):
        c = Chunk()
        for i in range(lo, min(plan.sessions, lo + chunk_sessions)):
            status = opens.get(i) or (St.CANCELLED if rng.random() < CANCELLED_SHARE
                                      else St.DELIVERED)
            vehicle = own_vehicle[i] if i in opens else rng.randrange(plan.vehicles)
            sid = _session(g, c, status, times[i], vehicle)
            _work(g, c, sid, status, times[i], counts[i])
            c.sessions += 1
        yield c
    last = Chunk()
    last.rows["counter"] = g.counters()
    yield last
