"""Read models of the repair domain: what the queries return to the adapters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from garagebot.core.enums import JobCardStatus, SessionStatus, StepStatus
from garagebot.core.ids import ClientId, QcItemId, RequestId, SessionId, UserId, VehicleId
from garagebot.core.repair.sla import SessionSla


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One line of the active board."""

    session_id: SessionId
    number: str
    status: SessionStatus
    held_from: SessionStatus | None
    priority: int
    opened_at: dt.datetime
    eta: dt.datetime | None
    plate: str
    make: str | None
    model: str | None
    client_name: str
    client_phone: str
    advisor_id: UserId | None
    diagnose_due: dt.datetime
    repair_due: dt.datetime
    diagnose_overdue: bool
    repair_overdue: bool


@dataclass(frozen=True, slots=True)
class ClientInfo:
    id: ClientId
    name: str
    phone: str
    locale: str
    messaging_consent: bool


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    id: VehicleId
    client_id: ClientId
    plate: str
    vin: str | None
    make: str | None
    model: str | None
    year: int | None
    colour: str | None
    mileage_km: int | None


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: SessionId
    number: str
    status: SessionStatus
    held_from: SessionStatus | None
    priority: int
    complaint: str | None
    request_id: RequestId | None
    advisor_id: UserId | None
    advisor_name: str | None
    mileage_in_km: int | None
    opened_at: dt.datetime
    checked_in_at: dt.datetime | None
    diagnosed_at: dt.datetime | None
    eta: dt.datetime | None
    completed_at: dt.datetime | None
    delivered_at: dt.datetime | None
    second_active_confirmed: bool
    close_reason: str | None


@dataclass(frozen=True, slots=True)
class JobCardSummary:
    """A job card and how many of its steps are in each status."""

    id: int
    title_en: str
    title_ar: str
    status: JobCardStatus
    position: int
    steps_by_status: Mapping[StepStatus, int]

    @property
    def step_count(self) -> int:
        return sum(self.steps_by_status.values())


@dataclass(frozen=True, slots=True)
class StatusChangeView:
    from_status: SessionStatus | None
    to_status: SessionStatus
    actor_kind: str
    actor_id: int | None
    note: str | None
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class QcItemView:
    id: QcItemId
    position: int
    text_en: str
    text_ar: str
    done: bool
    done_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SessionDetail:
    """Everything a session's page shows, read in a fixed number of queries."""

    session: SessionInfo
    vehicle: VehicleInfo
    client: ClientInfo
    job_cards: tuple[JobCardSummary, ...]
    history: tuple[StatusChangeView, ...]
    qc_items: tuple[QcItemView, ...]
    sla: SessionSla
    next_statuses: tuple[SessionStatus, ...]


@dataclass(frozen=True, slots=True)
class VisitRow:
    """One past or current session of a vehicle (its visit history)."""

    session_id: SessionId
    number: str
    status: SessionStatus
    client_id: ClientId
    complaint: str | None
    mileage_in_km: int | None
    opened_at: dt.datetime
    delivered_at: dt.datetime | None
