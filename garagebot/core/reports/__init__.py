"""Reports: read-only queries over one garage, in its calendar, with CSV export.

Revenue (``revenue``), gross margin (``margin``), parts usage and stock-outs
(``parts``), throughput, turnaround and on-time rate (``sessions``),
mechanic productivity (``mechanics``), pending supplier bills
(``payables``), receivables aging (``receivables``). Each module's docstring
defines its figures. ``catalog.REPORTS`` runs any of them by name;
``export`` turns rows into CSV or a text table.
"""
