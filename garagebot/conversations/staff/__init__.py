"""The staff flows on the conversation engine: technicians and assistants,
lead technicians, service advisors and managers, in English and Arabic.

``register_staff_flows(registry, storage)`` adds every staff flow and its
main-menu entries; ``storage`` receives the files staff send from the chat.
"""

from __future__ import annotations

from garagebot.conversations.router import MenuEntry, Opener, Registry
from garagebot.conversations.staff.billing import BILLING
from garagebot.conversations.staff.bookings import BOOKINGS
from garagebot.conversations.staff.control import CONTROL
from garagebot.conversations.staff.digests import FLOW as DIGEST
from garagebot.conversations.staff.digests import DigestState, digest_flow
from garagebot.conversations.staff.intake import intake_flow
from garagebot.conversations.staff.lead import LEAD
from garagebot.conversations.staff.manager import MANAGER
from garagebot.conversations.staff.parts import PARTS
from garagebot.conversations.staff.qc import QC
from garagebot.conversations.staff.quote import QUOTE
from garagebot.conversations.staff.sessions import SESSIONS
from garagebot.conversations.staff.technician import Technician, read_lists_ahead
from garagebot.core.enums import Role
from garagebot.core.permissions import Permission
from garagebot.core.ports import FileStorage

MENU_ENTRIES = (
    MenuEntry("jobs", "staff.menu_jobs", "tech", Permission.WORK_STEP,
              ("my jobs", "jobs", "my work", "شغلي", "مهامي", "أعمالي", "شغلاتي"),
              unmatched=frozenset({Role.TECHNICIAN, Role.ASSISTANT}),
              not_understood_key="staff.not_understood_jobs"),
    MenuEntry("parts", "staff.menu_parts", "parts", Permission.USE_PARTS,
              ("parts", "part", "قطع", "قطع الغيار", "قطع غيار")),
    MenuEntry("lead", "staff.menu_lead", "lead", Permission.DECIDE_EXCEPTION,
              ("exceptions", "queue", "review", "الاستثناءات", "المراجعة", "الطابور")),
    MenuEntry("intake", "staff.menu_intake", "intake", Permission.INTAKE,
              ("new car", "intake", "new session", "سيارة جديدة", "استقبال")),
    MenuEntry("sessions", "staff.menu_sessions", "sessions", Permission.CHANGE_SESSION_STATUS,
              ("cars", "sessions", "السيارات", "الجلسات")),
    MenuEntry("bookings", "bookings.menu", "bookings", Permission.INTAKE,
              ("bookings", "booking requests", "requests", "الحجوزات", "طلبات الحجز", "المواعيد")),
    MenuEntry("manager", "staff.menu_manager", "manager", Permission.VIEW_REPORTS,
              ("kpi", "today", "figures", "الأرقام", "مؤشرات", "اليوم")),
    MenuEntry("billing", "billing.menu", "billing", Permission.MANAGE_BILLING,
              ("payments", "invoices", "billing", "المدفوعات", "الفواتير", "الحسابات")),
    MenuEntry("digest", "digests.menu", DIGEST, Permission.RECEIVE_DIGEST,
              ("digest", "summary", "daily digest", "ملخص", "الملخص", "ملخص اليوم")),
)

# Where the buttons of staff notifications (core.notify.staff.open_choice) lead.
OPENERS = (
    Opener("step", "tech", "step", "step", Permission.WORK_STEP),
    Opener("jobs", "tech", "jobs", None, Permission.WORK_STEP),
    Opener("exc", "lead", "exception", "exc", Permission.DECIDE_EXCEPTION),
    Opener("card", "lead", "card", "card", Permission.REVIEW_JOB),
    Opener("ses", "sessions", "session", "session", Permission.CHANGE_SESSION_STATUS),
    Opener("disc", "manager", "discounts", None, Permission.APPROVE_DISCOUNT),
    Opener("parts", "parts", "session", None, Permission.USE_PARTS),
    Opener("req", "bookings", "request", "request", Permission.INTAKE),
    # The buttons under a KPI digest (core.digests.compose.drill_choices).
    Opener("dgo", DIGEST, DigestState.OVERDUE, None, Permission.RECEIVE_DIGEST),
    Opener("dga", DIGEST, DigestState.APPROVAL, None, Permission.RECEIVE_DIGEST),
    Opener("dgs", DIGEST, DigestState.STOCKOUTS, None, Permission.RECEIVE_DIGEST),
    Opener("dgr", DIGEST, DigestState.RECEIVABLES, None, Permission.RECEIVE_DIGEST),
    Opener("dgset", DIGEST, DigestState.SETTINGS, None, Permission.RECEIVE_DIGEST),
)


def register_staff_flows(registry: Registry, storage: FileStorage | None = None) -> None:
    """Add the staff flows and their menu entries to ``registry``."""
    registry.add_flow(Technician(storage).flow())
    registry.add_read_ahead(read_lists_ahead)
    for flow in (PARTS, LEAD, intake_flow(storage), SESSIONS, MANAGER, QC, QUOTE, BILLING, CONTROL, BOOKINGS,
                 digest_flow(storage)):
        registry.add_flow(flow)
    for entry in MENU_ENTRIES:
        registry.add_menu_entry(entry)
    for opener in OPENERS:
        registry.add_opener(opener)
