"""Repair work on the shop floor: service templates, job cards, steps,
assignment, timers, checklists, media, exceptions and the lead's review.

Every write is a named service taking a ``UnitOfWork``; the state machines of
job cards and steps live in ``machines`` (one transition table each).
"""
