"""The states of an inspection and the severities of its findings."""

from __future__ import annotations

from enum import StrEnum
from typing import NewType


class Severity(StrEnum):
    OK = "OK"
    ADVISORY = "ADVISORY"
    CRITICAL = "CRITICAL"
    SKIPPED = "SKIPPED"


class InspectionStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"  # every item answered (or its section skipped)
    PUBLISHED = "PUBLISHED"  # the advisor sent the report to the client


# Findings that propose work.
FINDINGS = (Severity.ADVISORY, Severity.CRITICAL)


InspectionId = NewType("InspectionId", int)
FindingId = NewType("FindingId", int)
