"""Row generators for the bulk seed: plausible busy garages, made in chunks.

A garage's history spans ``days`` days of working hours. Almost every old
session is DELIVERED (a few CANCELLED); the open ones (about 3 % of a garage's
sessions: a few hundred for a small garage, a couple of thousand for the
biggest) are the most recent visits, each on a vehicle of its own, at stages
that follow their age (the newest are NEW, older ones wait for parts or
pickup). Steps follow their session: all done for finished visits, part done
for the ones in the workshop. Rows are plain tuples in the column order of
``COLUMNS`` so that asyncpg can COPY them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from garagebot.app.demo import demo_templates
from garagebot.core.enums import SessionStatus

Row = tuple[object, ...]
S = SessionStatus
TZ = ZoneInfo("Asia/Amman")
SESSION_KIND = "SES"

COLUMNS: dict[str, tuple[str, ...]] = {
    "client": ("id", "organization_id", "name", "phone", "locale", "messaging_consent", "notes",
               "created_at"),
    "vehicle": ("id", "organization_id", "client_id", "plate", "vin", "make", "model", "year",
                "colour", "mileage_km", "created_at"),
    "repair_session": (
        "id", "organization_id", "number", "client_id", "vehicle_id", "request_id", "advisor_id",
        "status", "held_from", "complaint", "priority", "mileage_in_km", "opened_at",
        "checked_in_at", "diagnosed_at", "eta", "status_changed_at", "completed_at", "delivered_at",
        "delivery_pin", "delivery_signature_media_id", "second_active_confirmed", "close_reason"),
    "session_status_change": ("id", "organization_id", "session_id", "from_status", "to_status",
                              "actor_kind", "actor_id", "note", "at"),
    "job_card": ("id", "organization_id", "session_id", "template_id", "title_en", "title_ar",
                 "status", "position", "reviewed_by_id", "reviewed_at", "review_outcome",
                 "review_note", "created_at"),
    "step": ("id", "organization_id", "job_card_id", "session_id", "position", "parallel_group",
             "name_en", "name_ar", "required_skill", "assembly", "required_attachments",
             "estimated_minutes", "flat_price", "status", "assignee_id", "started_at",
             "finished_at", "delayed_until", "note"),
    "counter": ("organization_id", "kind", "period", "value"),
    "service_template": ("id", "organization_id", "code", "name_en", "name_ar", "active"),
    "template_step": ("id", "organization_id", "template_id", "position", "parallel_group",
                      "name_en", "name_ar", "required_skill", "assembly", "required_attachments",
                      "estimated_minutes", "flat_price"),
    "template_checklist_item": ("id", "organization_id", "template_step_id", "position", "text_en",
                                "text_ar"),
}

# Open stages, youngest first, with their share of a garage's open sessions.
OPEN_STAGES: tuple[tuple[SessionStatus, int], ...] = (
    (S.NEW, 8), (S.DIAGNOSING, 10), (S.AWAITING_CLIENT_APPROVAL, 12), (S.IN_PROGRESS, 25),
    (S.AWAITING_PARTS, 15), (S.ON_HOLD, 8), (S.QA_CHECK, 6), (S.READY_FOR_PICKUP, 12),
    (S.COMPLETED, 4),
)
FINISHED = frozenset({S.QA_CHECK, S.READY_FOR_PICKUP, S.COMPLETED, S.DELIVERED})
OPEN_SHARE = 0.03
CANCELLED_SHARE = 0.03

_FIRST = ("Ahmad", "Mohammad", "Omar", "Khaled", "Sara", "Lina", "Rania", "Yousef", "Hala", "Zaid",
          "Maya", "Faris", "Noor", "Tariq", "Dana", "Hind", "Karim", "Salma", "Adel", "Reem")
_FIRST_AR = ("أحمد", "محمد", "عمر", "خالد", "سارة", "لينا", "رانيا", "يوسف", "هالة", "زيد",
             "مايا", "فارس", "نور", "طارق", "دانة", "هند", "كريم", "سلمى", "عادل", "ريم")
_LAST = ("Haddad", "Khoury", "Masri", "Nasser", "Saleh", "Odeh", "Azar", "Nimri", "Dajani", "Twal")
_LAST_AR = ("الحداد", "الخوري", "المصري", "ناصر", "صالح", "عودة", "العزة", "النمري", "الدجاني",
            "الطوال")
_CARS = (("Toyota", "Corolla"), ("Toyota", "Camry"), ("Toyota", "Land Cruiser"), ("Toyota", "Prius"),
         ("Hyundai", "Elantra"), ("Hyundai", "Accent"), ("Hyundai", "Sonata"), ("Hyundai", "Tucson"),
         ("Kia", "Cerato"), ("Kia", "Rio"), ("Kia", "Sportage"), ("Kia", "Picanto"),
         ("Mitsubishi", "Lancer"), ("Mitsubishi", "Pajero"), ("Nissan", "Sunny"),
         ("Nissan", "Patrol"), ("Mercedes-Benz", "C 200"), ("Mercedes-Benz", "E 200"))
_COLOURS = ("White", "Silver", "Black", "Grey", "Red", "Blue", "Pearl white")
COMPLAINTS = ("Regular service", "Brakes squeal", "AC not cooling", "Engine warning light",
               "صيانة دورية", "صوت في الفرامل", "المكيف لا يبرد", "ضوء المحرك يعمل")


@dataclass(frozen=True, slots=True)
class GarageStaff:
    """Who works in a seeded garage: ids by role, technicians with their skills."""

    org_id: int
    advisors: tuple[int, ...]
    lead: int
    technicians: tuple[tuple[int, frozenset[str]], ...]
    assistants: tuple[int, ...]

    def by_skill(self) -> dict[str | None, tuple[int, ...]]:
        table: dict[str | None, list[int]] = {None: [self.lead]}
        for uid, skills in self.technicians:
            table[None].append(uid)
            for s in skills:
                table.setdefault(s, [self.lead]).append(uid)
        return {k: tuple(v) for k, v in table.items()}


@dataclass(frozen=True, slots=True)
class GaragePlan:
    staff: GarageStaff
    sessions: int
    steps: int
    template_ids: tuple[int, ...]  # one per demo template

    @property
    def clients(self) -> int:
        return max(20, int(self.sessions * 0.4))

    @property
    def vehicles(self) -> int:
        return int(self.clients * 1.2)

    @property
    def open_sessions(self) -> int:
        return max(10, round(self.sessions * OPEN_SHARE))


@dataclass(slots=True)
class Ids:
    """The next free id per table (ids are given in the seed, sequences set after)."""

    next: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 1))

    def take(self, table: str, count: int = 1) -> int:
        """Reserve ``count`` consecutive ids; return the first."""
        value = self.next[table]
        self.next[table] = value + count
        return value


@dataclass(slots=True)
class Chunk:
    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in COLUMNS})
    sessions: int = 0


def split_exact(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), summing exactly."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def garage_sizes(garages: int, sessions: int) -> list[int]:
    """Sessions per garage: a Zipf-like spread (the biggest ~15x the smallest)."""
    return split_exact(sessions, [1 / (i + 1) ** 0.6 for i in range(garages)])


def steps_per_session(sessions: int, steps: int, rng: random.Random) -> list[int]:
    """Step counts averaging ``steps / sessions`` with spread, summing exactly to ``steps``."""
    counts = [(steps * (i + 1)) // sessions - (steps * i) // sessions for i in range(sessions)]
    for i in range(0, sessions - 1, 2):
        a, b = counts[i], counts[i + 1]
        d = rng.randint(-3, 3)
        d = max(min(d, b - 1), 1 - a)
        counts[i], counts[i + 1] = a + d, b - d
    return counts


def session_times(n: int, now: dt.datetime, days: int, rng: random.Random) -> list[dt.datetime]:
    """``n`` sorted opening times over the last ``days`` days, 08:00-18:00 in Amman."""
    start = (now - dt.timedelta(days=days)).astimezone(TZ).replace(hour=8, minute=0, second=0,
                                                                    microsecond=0)
    out: list[dt.datetime] = []
    while len(out) < n:
        day = start + dt.timedelta(days=rng.randrange(days + 1))
        at = (day + dt.timedelta(seconds=rng.randrange(10 * 3600))).astimezone(dt.UTC)
        if at < now:
            out.append(at)
    out.sort()
    return out


def open_statuses(plan: GaragePlan, rng: random.Random) -> dict[int, SessionStatus]:
    """Which of the garage's sessions (by index, oldest first) are open, and at which stage."""
    n, k = plan.sessions, min(plan.open_sessions, plan.sessions)
    window = range(max(0, n - int(k * 1.3)), n)
    chosen = sorted(rng.sample(window, k), reverse=True)  # youngest first
    stages = split_exact(k, [w for _, w in OPEN_STAGES])
    statuses = [status for (status, _), c in zip(OPEN_STAGES, stages, strict=True) for _ in range(c)]
    return dict(zip(chosen, statuses, strict=True))


def people(n: int, org_id: int, first_id: int, now: dt.datetime) -> list[Row]:
    """Clients, half with Arabic names and Arabic as their language; distinct phones."""
    rows: list[Row] = []
    for i in range(n):
        ar = i % 2 == 0
        first, last = (_FIRST_AR, _LAST_AR) if ar else (_FIRST, _LAST)
        name = f"{first[i % 20]} {last[(i // 20) % 10]}"
        rows.append((first_id + i, org_id, name, f"+96279{i:07d}", "ar" if ar else "en", True,
                     None, now))
    return rows


def cars(plan: GaragePlan, first_id: int, first_client: int, now: dt.datetime,
         rng: random.Random) -> list[Row]:
    """Vehicles with distinct plates; vehicle ``i`` belongs to client ``i % clients``."""
    rows: list[Row] = []
    for i in range(plan.vehicles):
        make, model = _CARS[rng.randrange(len(_CARS))]
        plate = f"{10 + i % 90}-{1000 + i // 90:05d}"
        rows.append((first_id + i, plan.staff.org_id, first_client + i % plan.clients, plate, None,
                     make, model, rng.randint(1998, 2024), _COLOURS[i % len(_COLOURS)],
                     rng.randint(5_000, 350_000), now))
    return rows


def templates(org_id: int, ids: Ids) -> tuple[Chunk, tuple[int, ...]]:
    """The demo garage's five service templates for one garage, and their ids."""
    c, made = Chunk(), []
    for t in demo_templates():
        tid = ids.take("service_template")
        made.append(tid)
        c.rows["service_template"].append((tid, org_id, t.code, t.name_en, t.name_ar, True))
        for pos, s in enumerate(t.steps, start=1):
            sid = ids.take("template_step")
            c.rows["template_step"].append((
                sid, org_id, tid, pos, s.parallel_group, s.name_en, s.name_ar,
                str(s.required_skill) if s.required_skill else None, s.assembly, s.required_attachments,
                s.estimated_minutes, s.flat_price))
            for n, item in enumerate(s.checklist, start=1):
                c.rows["template_checklist_item"].append(
                    (ids.take("template_checklist_item"), org_id, sid, n, item.text_en, item.text_ar))
    return c, tuple(made)
