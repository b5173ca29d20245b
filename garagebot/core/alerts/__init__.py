"""Work that happens on time, run by the scheduler (``core.schedule``): the
SLA check and its escalation (``sla``), the inventory lists (``stock``) and
the client reminders (``invoices``, ``service_due``); the garage's settings
for them (``settings``)."""
