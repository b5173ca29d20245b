"""Which roles may do what. One table; services ask ``require(permission)``."""

from __future__ import annotations

from enum import StrEnum

from garagebot.core.enums import Role

_ALL = frozenset(Role)
_MANAGERS = frozenset({Role.OWNER, Role.MANAGER})
_ADVISORS = _MANAGERS | {Role.ADVISOR}
_LEADS = _MANAGERS | {Role.LEAD_TECHNICIAN}
_FLOOR = _LEADS | {Role.TECHNICIAN, Role.ASSISTANT}


class Permission(StrEnum):
    MANAGE_GARAGE = "manage_garage"
    MANAGE_STAFF = "manage_staff"
    INTAKE = "intake"
    OPEN_SESSION = "open_session"
    CHANGE_SESSION_STATUS = "change_session_status"
    OVERRIDE_GUARD = "override_guard"
    CONFIRM_DELIVERY = "confirm_delivery"
    CONFIGURE_REPAIR = "configure_repair"  # SLA targets, QC checklist
    PLAN_WORK = "plan_work"
    ASSIGN_STEP = "assign_step"
    OVERRIDE_ASSIGNMENT = "override_assignment"
    WORK_STEP = "work_step"
    DECIDE_EXCEPTION = "decide_exception"
    REVIEW_JOB = "review_job"
    QC_CHECK = "qc_check"
    MANAGE_TEMPLATES = "manage_templates"
    VIEW_BOARD = "view_board"
    MANAGE_INVENTORY = "manage_inventory"
    USE_PARTS = "use_parts"
    MANAGE_PURCHASING = "manage_purchasing"
    MANAGE_BILLING = "manage_billing"
    APPROVE_DISCOUNT = "approve_discount"
    VIEW_REPORTS = "view_reports"
    RECEIVE_DIGEST = "receive_digest"  # the KPI digests, their drill-down lists


ROLES_FOR: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_GARAGE: frozenset({Role.OWNER}),
    Permission.MANAGE_STAFF: _MANAGERS,
    Permission.INTAKE: _ADVISORS,
    Permission.OPEN_SESSION: _ADVISORS,
    Permission.CHANGE_SESSION_STATUS: _ADVISORS | {Role.LEAD_TECHNICIAN},
    Permission.OVERRIDE_GUARD: _MANAGERS,
    Permission.CONFIRM_DELIVERY: _ADVISORS,
    Permission.CONFIGURE_REPAIR: _MANAGERS,
    Permission.PLAN_WORK: _ADVISORS | {Role.LEAD_TECHNICIAN},
    Permission.ASSIGN_STEP: _ADVISORS | {Role.LEAD_TECHNICIAN},
    Permission.OVERRIDE_ASSIGNMENT: _LEADS,
    Permission.WORK_STEP: _FLOOR,
    Permission.DECIDE_EXCEPTION: _LEADS,
    Permission.REVIEW_JOB: _LEADS,
    Permission.QC_CHECK: _LEADS | {Role.ADVISOR},
    Permission.MANAGE_TEMPLATES: _LEADS,
    Permission.VIEW_BOARD: _ALL,
    Permission.MANAGE_INVENTORY: _MANAGERS | {Role.INVENTORY},
    Permission.USE_PARTS: _FLOOR | {Role.INVENTORY, Role.ADVISOR},
    Permission.MANAGE_PURCHASING: _MANAGERS | {Role.INVENTORY, Role.ACCOUNTANT},
    Permission.MANAGE_BILLING: _ADVISORS | {Role.ACCOUNTANT},
    Permission.APPROVE_DISCOUNT: _MANAGERS,
    Permission.VIEW_REPORTS: _MANAGERS | {Role.ACCOUNTANT},
    Permission.RECEIVE_DIGEST: _MANAGERS,
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in ROLES_FOR[permission]
