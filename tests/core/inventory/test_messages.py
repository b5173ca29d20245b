"""The texts inventory sends and raises read well in both languages."""

from __future__ import annotations

from garagebot.core.i18n import FSI, PDI, Translator
from garagebot.core.inventory.arrivals import ARRIVED_KEY

PARAMS = {"name": "مضخة ماء", "sku": "WP-220", "quantity": "1", "session": "SES-20261122-004"}


def test_the_part_arrived_notice_names_the_part_and_the_session_in_english_and_arabic() -> None:
    tr = Translator.load()
    en = tr.render("en", ARRIVED_KEY, {**PARAMS, "name": "Water pump"})
    ar = tr.render("ar", ARRIVED_KEY, PARAMS)
    assert en == "Part arrived for SES-20261122-004: 1 × Water pump (WP-220) is now reserved for it."
    assert f"{FSI}SES-20261122-004{PDI}" in ar
    assert f"{FSI}WP-220{PDI}" in ar
    assert ar.startswith("وصلت قطعة")


def test_not_enough_stock_says_how_many_are_left() -> None:
    tr = Translator.load()
    params = {"sku": "OIL-5W30", "available": "2.5"}
    english = tr.render("en", "error.not_enough_stock", params)
    assert english == "Not enough stock of OIL-5W30: only 2.5 available."
    assert f"{FSI}2.5{PDI}" in tr.render("ar", "error.not_enough_stock", params)
