"""Messages to staff on Telegram: who is reachable, in which language, with a
button that opens the item, and the garage's quiet hours.

A message goes to each person in their own language (``params`` is asked per
locale, so names of steps and items are in the reader's language). A button
``o:<kind>:<id>`` opens the item in the staff dialogs
(``conversations.dialog`` reads it in any state).

Quiet hours: ``Organization.settings["staff_quiet_hours"]`` = ``{"start":
"21:00", "end": "07:00"}`` in the garage's zone. A non-urgent message queued
inside them waits in the outbox (its ``available_at``) until they end.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from garagebot.core.enums import Channel, Role
from garagebot.core.errors import InvalidInput
from garagebot.core.i18n import short_when
from garagebot.core.models import User
from garagebot.core.permissions import Permission, allowed
from garagebot.core.ports import Choice
from garagebot.core.uow import UnitOfWork

QUIET_HOURS = "staff_quiet_hours"
OPEN_KEY = "floor.btn_open"
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

ParamsFor = Callable[[str], Mapping[str, object]]


@dataclass(frozen=True, slots=True)
class Person:
    """A member of staff reachable on Telegram."""

    user_id: int
    chat: str
    locale: str
    name: str


def open_choice(kind: str, item_id: int | None = None) -> Choice:
    """The button that opens ``kind`` (``item_id``) in the staff dialogs."""
    return Choice(f"o:{kind}:{item_id or 0}", OPEN_KEY)


def local_when(when: dt.datetime, zone: str, locale: str) -> str:
    """``when`` in the garage's zone, written for a reader of ``locale`` ("Tue 8 Dec, 17:00")."""
    return short_when(when, zone, locale)


def localized(locale: str, en: str | None, ar: str | None) -> str:
    return (ar or en or "") if locale == "ar" else (en or ar or "")


async def _reachable(uow: UnitOfWork) -> list[User]:
    return list((await uow.session.scalars(select(User).where(
        User.organization_id == uow.org_id, User.active.is_(True), User.telegram_user_id.is_not(None),
    ).order_by(User.id))).all())


def _person(u: User) -> Person:
    return Person(u.id, str(u.telegram_user_id), u.locale, u.name)


async def people_by_id(uow: UnitOfWork, ids: Iterable[int | None]) -> list[Person]:
    """The reachable people among ``ids`` (None and unknown ids are left out)."""
    wanted = {i for i in ids if i is not None}
    return [_person(u) for u in await _reachable(uow) if u.id in wanted]


async def people_in(uow: UnitOfWork, roles: Sequence[Role], fallback: Permission) -> list[Person]:
    """Reachable people of ``roles``; when none is reachable, everyone whose
    role has ``fallback`` (so a garage without a lead still hears of it)."""
    users = await _reachable(uow)
    chosen = [u for u in users if Role(u.role) in roles]
    if not chosen:
        chosen = [u for u in users if allowed(Role(u.role), fallback)]
    return [_person(u) for u in chosen]


def _parse_hhmm(text: object) -> dt.time | None:
    found = _HHMM.match(str(text or "").strip())
    return None if found is None else dt.time(int(found.group(1)), int(found.group(2)))


def quiet_until(settings: Mapping[str, object] | None, zone: str, now: dt.datetime) -> dt.datetime | None:
    """When the garage's quiet hours end, if ``now`` is inside them (else None)."""
    window = (settings or {}).get(QUIET_HOURS)
    if not isinstance(window, Mapping):
        return None
    start, end = _parse_hhmm(window.get("start")), _parse_hhmm(window.get("end"))
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    t = local.time().replace(tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += dt.timedelta(days=1)
    return ends.astimezone(dt.UTC)


async def tell(uow: UnitOfWork, people: Sequence[Person], key: str, params: ParamsFor,
               opens: Choice | None = None, *, urgent: bool = False) -> int:
    """Queue ``key`` to each person (once each) in their language; how many.
    Non-urgent messages inside the garage's quiet hours wait until they end."""
    held = None
    if not urgent and people:
        org = await uow.organization()
        held = quiet_until(org.settings, org.timezone, uow.now)
    seen: set[int] = set()
    for p in people:
        if p.user_id in seen:
            continue
        seen.add(p.user_id)
        row = uow.send(Channel.TELEGRAM, p.chat, p.locale, key, params(p.locale),
                       (opens,) if opens is not None else ())
        if held is not None:
            row.available_at = held
    return len(seen)


async def set_staff_quiet_hours(uow: UnitOfWork, start: str | None, end: str | None) -> None:
    """Set (or, with None, clear) the garage's quiet hours for staff messages
    ("21:00", "07:00" in the garage's zone). Owner or manager; audited."""
    await uow.require(Permission.MANAGE_GARAGE)
    org = await uow.organization()
    settings = dict(org.settings or {})
    before = settings.get(QUIET_HOURS)
    if start is None or end is None:
        settings.pop(QUIET_HOURS, None)
        after: dict[str, str] | None = None
    else:
        if _parse_hhmm(start) is None or _parse_hhmm(end) is None or start.strip() == end.strip():
            raise InvalidInput("error.quiet_hours_invalid")
        after = {"start": start.strip(), "end": end.strip()}
        settings[QUIET_HOURS] = after
    org.settings = settings  # a new dict: the JSON column is written
    await uow.audit("organization", org.id, "staff_quiet_hours", before={QUIET_HOURS: before},
                    after={QUIET_HOURS: after})
    uow.emit("garage.settings_changed", {"organization_id": org.id, "fields": [QUIET_HOURS]})
