"""Intake and repair sessions: clients and vehicles, requests, the session
state machine with its guards (QC, open work, delivery proof), SLA targets and
the board / detail queries.

Services (writes, each inside one ``UnitOfWork``): ``clients``, ``vehicles``,
``intake``, ``sessions``, ``qc``, ``delivery``, ``sla``. Queries (reads on an
``AsyncSession``): ``queries``, ``lookups``. The state table is ``machine``.
"""
