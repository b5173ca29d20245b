"""Inspection templates: sections of items, each item perhaps a measurement
with its unit and two thresholds that set the severity by themselves.

A garage's template lives in ``Organization.settings["inspection_template"]``
(set from the garage configuration file or ``set_inspection_template``),
else the built-in bilingual default below. An inspection keeps a copy of the
template it was started with (``Inspection.template``), so a later change of
the garage's template never changes an inspection already begun.

Thresholds: ``advisory`` and ``critical``. When ``advisory >= critical`` a low
value is the bad one (tread depth, pad thickness, battery voltage): below
``critical`` is CRITICAL, below ``advisory`` ADVISORY. Otherwise a high value
is the bad one (a coolant's freezing point of -10 °C is worse than -30 °C).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from garagebot.core.errors import InvalidInput
from garagebot.core.inspections.enums import Severity
from garagebot.core.jsonable import JsonValue

MAX_ITEMS = 80
MAX_TEXT = 200
# The catalog key of a unit's name in the reader's language (other units are shown as written).
UNIT_KEYS = {"mm": "inspections.unit_mm", "V": "inspections.unit_v", "°C": "inspections.unit_c"}


def plain_number(value: Decimal) -> str:
    """A measured value or limit as typed ("1.5", "-25"): no trailing zeros, and
    no locale's minus sign (Arabic's carries a right-to-left mark that would
    move the sign to the other side)."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True, slots=True)
class Measure:
    unit: str
    advisory: Decimal
    critical: Decimal

    @property
    def low_is_bad(self) -> bool:
        return self.advisory >= self.critical

    def severity(self, value: Decimal) -> Severity:
        if self.low_is_bad:
            return Severity.CRITICAL if value < self.critical else (
                Severity.ADVISORY if value < self.advisory else Severity.OK)
        return Severity.CRITICAL if value > self.critical else (
            Severity.ADVISORY if value > self.advisory else Severity.OK)


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    name_en: str
    name_ar: str
    measure: Measure | None = None
    # The work a finding on this item proposes: its words, labour hours and
    # the inventory category of the part (matched to the car by fitment).
    work_en: str = ""
    work_ar: str = ""
    labour_hours: Decimal | None = None
    part_category: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    key: str
    name_en: str
    name_ar: str
    items: tuple[Item, ...]


@dataclass(frozen=True, slots=True)
class Template:
    sections: tuple[Section, ...]

    def items(self) -> list[tuple[Section, Item]]:
        return [(s, i) for s in self.sections for i in s.items]

    def item(self, key: str) -> tuple[Section, Item] | None:
        return next(((s, i) for s, i in self.items() if i.key == key), None)


def _m(unit: str, advisory: str, critical: str) -> Measure:
    return Measure(unit, Decimal(advisory), Decimal(critical))


def _i(key: str, en: str, ar: str, measure: Measure | None = None, work: tuple[str, str] = ("", ""),
       hours: str | None = None, part: str | None = None) -> Item:
    return Item(key, en, ar, measure, work[0], work[1], None if hours is None else Decimal(hours), part)


DEFAULT_TEMPLATE = Template((
    Section("engine", "Engine", "المحرك", (
        _i("engine_oil", "Engine oil level and condition", "مستوى الزيت وحالته",
           work=("Engine oil and filter change", "تغيير زيت المحرك والفلتر"), hours="0.5", part="oil"),
        _i("oil_leaks", "Oil leaks", "تسريب الزيت", work=("Find and fix oil leak", "فحص وإصلاح تسريب الزيت"),
           hours="1.5"),
        _i("drive_belt", "Drive belt", "سير المحرك", work=("Replace drive belt", "تبديل سير المحرك"),
           hours="1", part="belt"),
        _i("air_filter", "Air filter", "فلتر الهواء", work=("Replace air filter", "تبديل فلتر الهواء"),
           hours="0.25", part="air_filter"),
        _i("engine_mounts", "Engine mounts", "قواعد المحرك",
           work=("Replace engine mount", "تبديل قاعدة المحرك"), hours="1.5"),
    )),
    Section("brakes", "Brakes", "الفرامل", (
        _i("pads_front", "Front brake pads", "فحمات الفرامل الأمامية", _m("mm", "4", "2"),
           ("Replace front brake pads", "تبديل فحمات الفرامل الأمامية"), "1", "brake_pads"),
        _i("pads_rear", "Rear brake pads", "فحمات الفرامل الخلفية", _m("mm", "4", "2"),
           ("Replace rear brake pads", "تبديل فحمات الفرامل الخلفية"), "1", "brake_pads"),
        _i("discs", "Brake discs", "أقراص الفرامل", work=("Replace brake discs", "تبديل أقراص الفرامل"),
           hours="1.5", part="brake_discs"),
        _i("brake_fluid", "Brake fluid", "زيت الفرامل", work=("Brake fluid change", "تغيير زيت الفرامل"),
           hours="0.75", part="brake_fluid"),
        _i("handbrake", "Handbrake", "فرامل اليد", work=("Adjust handbrake", "ضبط فرامل اليد"), hours="0.5"),
    )),
    Section("tyres", "Tyres", "الإطارات", (*(
        _i(f"tread_{k}", f"Tread depth, {en}", f"عمق النقشة، {ar}", _m("mm", "3", "1.6"),
           (f"Replace tyre, {en}", f"تبديل الإطار، {ar}"), "0.5", "tyre")
        for k, en, ar in (("fl", "front left", "الأمامي الأيسر"), ("fr", "front right", "الأمامي الأيمن"),
                          ("rl", "rear left", "الخلفي الأيسر"), ("rr", "rear right", "الخلفي الأيمن"))
    ),
        _i("spare", "Spare tyre", "الإطار الاحتياطي", work=("Repair spare tyre", "إصلاح الإطار الاحتياطي"),
           hours="0.5"),
    )),
    Section("fluids", "Fluids", "السوائل", (
        _i("coolant", "Coolant freezing point", "درجة تجمد سائل التبريد", _m("°C", "-25", "-15"),
           ("Coolant change", "تغيير سائل التبريد"), "1", "coolant"),
        _i("power_steering", "Power steering fluid", "زيت الباور", work=("Top up power steering fluid",
           "تعبئة زيت الباور"), hours="0.25"),
        _i("washer", "Washer fluid", "ماء المساحات", work=("Top up washer fluid", "تعبئة ماء المساحات"),
           hours="0.1"),
        _i("gearbox_oil", "Gearbox oil", "زيت الجير", work=("Gearbox oil change", "تغيير زيت الجير"),
           hours="1", part="gear_oil"),
    )),
    Section("battery", "Battery", "البطارية", (
        _i("battery_voltage", "Battery voltage", "جهد البطارية", _m("V", "12.4", "12"),
           ("Replace battery", "تبديل البطارية"), "0.5", "battery"),
        _i("terminals", "Battery terminals", "أقطاب البطارية", work=("Clean battery terminals",
           "تنظيف أقطاب البطارية"), hours="0.25"),
    )),
    Section("lights", "Lights", "الأضواء", (
        _i("headlights", "Headlights", "الأضواء الأمامية",
           work=("Replace headlight bulb", "تبديل لمبة أمامية"),
           hours="0.25", part="bulb"),
        _i("brake_lights", "Brake lights", "أضواء الفرامل", work=("Replace brake light bulb",
           "تبديل لمبة الفرامل"), hours="0.25", part="bulb"),
        _i("indicators", "Indicators", "الغمازات", work=("Replace indicator bulb", "تبديل لمبة الغماز"),
           hours="0.25", part="bulb"),
    )),
    Section("body", "Body", "الهيكل", (
        _i("wipers", "Wiper blades", "شفرات المساحات", work=("Replace wiper blades", "تبديل شفرات المساحات"),
           hours="0.25", part="wipers"),
        _i("windscreen", "Windscreen", "الزجاج الأمامي", work=("Repair windscreen chip", "إصلاح كسر الزجاج"),
           hours="1"),
        _i("mirrors_doors", "Mirrors and doors", "المرايا والأبواب", work=("Repair mirror or door",
           "إصلاح مرآة أو باب"), hours="1"),
    )),
    Section("underbody", "Underbody", "أسفل السيارة", (
        _i("shocks", "Shock absorbers", "المساعدات", work=("Replace shock absorbers", "تبديل المساعدات"),
           hours="2", part="shocks"),
        _i("exhaust", "Exhaust", "الشكمان", work=("Repair exhaust", "إصلاح الشكمان"), hours="1"),
        _i("cv_boots", "CV joint boots", "جلود العكس", work=("Replace CV boot", "تبديل جلدة العكس"),
           hours="1.5"),
    )),
))


# ---- (de)serialising: the settings' JSON and the inspection's copy ----

def to_json(template: Template) -> list[JsonValue]:
    out: list[JsonValue] = []
    for s in template.sections:
        items: list[JsonValue] = []
        for i in s.items:
            item: dict[str, JsonValue] = {"key": i.key, "en": i.name_en, "ar": i.name_ar}
            if i.measure is not None:
                item["measure"] = {"unit": i.measure.unit, "advisory": str(i.measure.advisory),
                                   "critical": str(i.measure.critical)}
            if i.work_en:
                item["work"] = [i.work_en, i.work_ar]
            if i.labour_hours is not None:
                item["hours"] = str(i.labour_hours)
            if i.part_category:
                item["part"] = i.part_category
            items.append(item)
        out.append({"key": s.key, "en": s.name_en, "ar": s.name_ar, "items": items})
    return out


def _text(raw: Mapping[str, JsonValue], field: str, *, required: bool = True) -> str:
    value = raw.get(field)
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > MAX_TEXT:
        raise InvalidInput("error.inspection_template_invalid", field=field)
    return value.strip()


def _dec(value: JsonValue, field: str) -> Decimal:
    try:
        out = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidInput("error.inspection_template_invalid", field=field) from exc
    if not out.is_finite() or isinstance(value, bool) or value is None:
        raise InvalidInput("error.inspection_template_invalid", field=field)
    return out


def _item(raw: JsonValue) -> Item:
    if not isinstance(raw, dict):
        raise InvalidInput("error.inspection_template_invalid", field="item")
    measure = raw.get("measure")
    m = None
    if isinstance(measure, dict):
        m = Measure(_text(measure, "unit"), _dec(measure.get("advisory"), "advisory"),
                    _dec(measure.get("critical"), "critical"))
    elif measure is not None:
        raise InvalidInput("error.inspection_template_invalid", field="measure")
    work = raw.get("work")
    work_en, work_ar = ("", "")
    if isinstance(work, list) and len(work) == 2 and all(isinstance(w, str) for w in work):
        work_en, work_ar = str(work[0]).strip(), str(work[1]).strip()
    hours = raw.get("hours")
    part = raw.get("part")
    return Item(_text(raw, "key"), _text(raw, "en"), _text(raw, "ar"), m, work_en, work_ar,
                None if hours is None else _dec(hours, "hours"),
                part if isinstance(part, str) and part else None)


def from_json(raw: JsonValue) -> Template:
    """A template from its JSON; InvalidInput ``error.inspection_template_invalid`` when malformed."""
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("error.inspection_template_invalid", field="sections")
    sections: list[Section] = []
    for s in raw:
        if not isinstance(s, dict) or not isinstance(s.get("items"), list) or not s.get("items"):
            raise InvalidInput("error.inspection_template_invalid", field="section")
        items = s["items"]
        assert isinstance(items, list)
        sections.append(Section(_text(s, "key"), _text(s, "en"), _text(s, "ar"),
                                tuple(_item(i) for i in items)))
    template = Template(tuple(sections))
    keys = [i.key for _, i in template.items()]
    if len(keys) > MAX_ITEMS or len(set(keys)) != len(keys) \
            or len({s.key for s in sections}) != len(sections):
        raise InvalidInput("error.inspection_template_invalid", field="key")
    return template


def template_of(settings: Mapping[str, object] | None) -> Template:
    """The garage's template (its settings), else the default."""
    raw = (settings or {}).get("inspection_template")
    return DEFAULT_TEMPLATE if raw is None else from_json(raw)  # type: ignore[arg-type]


def section_keys(template: Template) -> Sequence[str]:
    return [s.key for s in template.sections]
