"""A garage's configuration as typed, immutable values.

``GarageConfig`` is what a configuration file says (``parse``) and what a
garage has (``export``). Each section is optional: a file that leaves a
section out leaves that part of the garage as it is. Amounts and percentages
stay strings of digits so that they are exact; the core services parse them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from garagebot.core.alerts.settings import ScheduleSettings
from garagebot.core.inspections.templates import Template
from garagebot.core.work.templates import StepSpec

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a configuration file: its line (1-based) and a
    message key with parameters (rendered in the reader's language)."""

    line: int
    key: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class TemplateConfig:
    code: str
    name_en: str
    name_ar: str
    steps: tuple[StepSpec, ...]
    active: bool = True
    line: int = 0  # where it begins in the file (0: not from a file)
    step_lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class FeeConfig:
    kind: str
    name_en: str
    name_ar: str
    amount: str


@dataclass(frozen=True, slots=True)
class BillingConfig:
    """Billing settings; a field left out (None) keeps the garage's value. The
    tax rates, discount limits and fees given replace the garage's whole list."""

    labour_rate: str | None = None
    billing_mode: str | None = None
    quote_valid_days: int | None = None
    tax_rates: tuple[tuple[str, str], ...] | None = None
    discount_limits: tuple[tuple[str, str], ...] | None = None
    default_fees: tuple[FeeConfig, ...] | None = None
    line: int = 0  # where it begins in the file (0: not from a file)
    field_lines: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class SlaConfig:
    diagnose_minutes: int
    repair_minutes: int
    line: int = 0  # where it begins in the file (0: not from a file)


@dataclass(frozen=True, slots=True)
class WhatsAppTemplateConfig:
    """The provider's approved template for message ``key`` in ``locale``."""

    key: str
    locale: str
    name: str
    language: str
    params: tuple[str, ...] = ()
    line: int = 0  # where it begins in the file (0: not from a file)


@dataclass(frozen=True, slots=True)
class DigestConfig:
    """The garage's default for one kind of KPI digest ("daily" / "weekly")."""

    kind: str
    enabled: bool
    time: str
    day: str | None = None  # weekly: an English weekday name
    line: int = 0  # where it begins in the file (0: not from a file)


@dataclass(frozen=True, slots=True)
class GarageConfig:
    templates: tuple[TemplateConfig, ...] | None = None
    qc_items: tuple[tuple[str, str], ...] | None = None
    qc_line: int = 0
    billing: BillingConfig | None = None
    sla: SlaConfig | None = None
    client_step_updates: bool | None = None
    notifications_line: int = 0
    whatsapp_templates: tuple[WhatsAppTemplateConfig, ...] | None = None
    schedule: ScheduleSettings | None = None  # the ``schedule`` section (core.garage_config.schedule)
    schedule_line: int = 0
    digests: tuple[DigestConfig, ...] | None = None
    # core.garage_config.appointments.AppointmentsConfig (typed loosely: that module imports this one)
    appointments: object | None = None
    inspection_template: Template | None = None
    inspection_line: int = 0


def exact(value: Decimal) -> str:
    """A decimal as the plain digits the file holds ("20.000", "16")."""
    return format(value, "f")
