"""Enumerations shared across the domain (stored as their string values)."""

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    ADVISOR = "advisor"
    LEAD_TECHNICIAN = "lead_technician"
    TECHNICIAN = "technician"
    ASSISTANT = "assistant"
    INVENTORY = "inventory"
    ACCOUNTANT = "accountant"


class Skill(StrEnum):
    MECHANICAL = "mechanical"
    ELECTRICAL = "electrical"
    AC = "ac"
    BODY = "body"
    PAINT = "paint"
    TYRES = "tyres"
    DIAGNOSTICS = "diagnostics"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    WEB = "web"
    API = "api"
    CLI = "cli"
    SYSTEM = "system"


class ActorKind(StrEnum):
    USER = "user"
    CLIENT = "client"
    SYSTEM = "system"
    CONTACT = "contact"  # a chat address the garage does not know: may do nothing that needs a check


class Locale(StrEnum):
    EN = "en"
    AR = "ar"


class SessionStatus(StrEnum):
    NEW = "NEW"
    DIAGNOSING = "DIAGNOSING"
    AWAITING_CLIENT_APPROVAL = "AWAITING_CLIENT_APPROVAL"
    AWAITING_PARTS = "AWAITING_PARTS"
    IN_PROGRESS = "IN_PROGRESS"
    QA_CHECK = "QA_CHECK"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    COMPLETED = "COMPLETED"
    DELIVERED = "DELIVERED"
    ON_HOLD = "ON_HOLD"
    CANCELLED = "CANCELLED"


class RequestStatus(StrEnum):
    OPEN = "OPEN"
    CONVERTED = "CONVERTED"
    CLOSED = "CLOSED"


class JobCardStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    PAUSED = "PAUSED"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"


class StepStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class ExceptionStatus(StrEnum):
    OPEN = "OPEN"
    RETRY = "RETRY"
    SKIPPED = "SKIPPED"
    DELAYED = "DELAYED"


class ReviewOutcome(StrEnum):
    APPROVED = "APPROVED"
    SENT_BACK = "SENT_BACK"


class OutboxKind(StrEnum):
    EVENT = "event"
    MESSAGE = "message"


class OutboxStatus(StrEnum):
    """Forward-only delivery states of an outbox row."""

    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    DONE = "done"
