"""One scheduler for work that happens on time (see ``runner``): cadences in
a garage's zone (``cadence``), the job registry (``registry``) and the
once-per-period claims (``claims``)."""

from garagebot.core.schedule.cadence import Cadence, Daily, Every, Period, Weekly, next_start
from garagebot.core.schedule.claims import RunStatus
from garagebot.core.schedule.registry import Job, JobRun, Registry, calling
from garagebot.core.schedule.runner import Garage, Outcome, garages, run_now, tick

__all__ = ["Cadence", "Daily", "Every", "Garage", "Job", "JobRun", "Outcome", "Period", "Registry",
           "RunStatus", "Weekly", "calling", "garages", "next_start", "run_now", "tick"]
