"""Appointments and bays: opening hours and holidays (``settings``), free
slots (``slots``), booking / moving / cancelling and the client's answers
(``booking``), arrival (``arrival``), the scheduler's jobs (``jobs``:
``remind_appointments``, ``mark_no_shows``) and the staff's reads (``views``)."""
