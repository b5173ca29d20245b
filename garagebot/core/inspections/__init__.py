"""Vehicle inspections: templates of sections and items (some measured),
findings recorded from the floor, recommended work as quote lines, the
client's report and decisions, a car's history and the figures."""
