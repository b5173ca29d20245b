"""KPI digests to owners and managers on Telegram: daily and weekly, each
with the period's figures against the period before, a chart, and buttons
that drill into the lists behind the figures.

- ``schedule``: defaults, a person's own setting, due moments and periods;
- ``figures``: the figures (the reports' own queries);
- ``compose``: the message, buttons and chart for one reader;
- ``send``: ``run_due_digests`` (the scheduler's entry point), claimed once;
- ``services``: settings changed by a person or the garage, a digest on request;
- ``lists``: the drill-down lists.
"""
