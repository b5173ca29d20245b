"""A service template's steps as rows of one form (no JavaScript needed):
each row has its order, names, skill, minutes, parallel group, required
attachments, flat price, assembly mark and checklist ("English | Arabic"
per line). Blank rows are left out; the rows run in the order given.

``read_steps`` turns the posted rows into ``StepSpec``s, placing each typing
mistake beside its field; ``place_error`` puts a service's refusal (which
names a step by its position) beside the right row's field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from garagebot.admin_web.forms import Form
from garagebot.admin_web.text import Text
from garagebot.core.errors import DomainError, InvalidInput
from garagebot.core.money import parse_decimal
from garagebot.core.repair.inputs import whole_number
from garagebot.core.work.templates import ChecklistItemSpec, StepSpec

COLUMNS = ("order", "name_en", "name_ar", "skill", "minutes", "group", "attachments", "price", "assembly",
           "checklist")
BLANK_ROWS = 3
MAX_ROWS = 60
# A step error's key → the row's column it is shown beside.
_COLUMN_OF = {"error.step_minutes_invalid": "minutes", "error.step_attachments_invalid": "attachments",
              "error.step_price_invalid": "price", "error.parallel_group_not_contiguous": "group",
              "error.unknown_skill": "skill"}
# Texts about a field are shown beside it in the console's own words (no field codes).
_BESIDE = {"error.step_text_required": "records.error.step_text"}


def name(row: int, column: str) -> str:
    return f"s{row}_{column}"


def step_values(specs: Sequence[StepSpec]) -> dict[str, str]:
    """The form values of ``specs`` (and the count of rows under "rows")."""
    values: dict[str, str] = {}
    for row, s in enumerate(specs):
        values |= {name(row, "order"): str(row + 1), name(row, "name_en"): s.name_en,
                   name(row, "name_ar"): s.name_ar, name(row, "skill"): str(s.required_skill or ""),
                   name(row, "minutes"): str(s.estimated_minutes),
                   name(row, "group"): "" if s.parallel_group is None else str(s.parallel_group),
                   name(row, "attachments"): str(s.required_attachments or ""),
                   name(row, "price"): "" if s.flat_price is None else format(s.flat_price, "f"),
                   name(row, "assembly"): "1" if s.assembly else "",
                   name(row, "checklist"): "\n".join(f"{c.text_en} | {c.text_ar}" for c in s.checklist)}
    values["rows"] = str(len(specs) + BLANK_ROWS)
    return values


def row_count(form: Form) -> int:
    raw = form.get("rows")
    return min(int(raw), MAX_ROWS) if raw.isdigit() else BLANK_ROWS


def field_names(rows: int) -> list[str]:
    return ["rows", *(name(r, c) for r in range(rows) for c in COLUMNS)]


@dataclass(frozen=True, slots=True)
class Steps:
    specs: tuple[StepSpec, ...]
    rows: tuple[int, ...]  # the form row of each spec, in order


def _checklist(raw: str) -> tuple[ChecklistItemSpec, ...]:
    items = []
    for line in raw.splitlines():
        if line.strip():
            en, _, ar = line.partition("|")
            items.append(ChecklistItemSpec(en.strip(), ar.strip()))
    return tuple(items)


def _number(form: Form, text: Text, field: str, default: int | None) -> int | None:
    try:
        value = whole_number(form.get(field), "records.error.whole_number")
    except InvalidInput as exc:
        form.errors[field] = text(exc.key, **exc.params)
        return default
    return default if value is None else value


def _row(form: Form, text: Text, row: int) -> StepSpec:
    price = None
    if form.get(name(row, "price")):
        try:
            price = parse_decimal(form.get(name(row, "price")), 3, field="price")
        except InvalidInput as exc:
            form.errors[name(row, "price")] = text(exc.key, **exc.params)
    return StepSpec(
        name_en=form.get(name(row, "name_en")), name_ar=form.get(name(row, "name_ar")),
        required_skill=form.get(name(row, "skill")) or None, assembly=form.get(name(row, "assembly")) == "1",
        parallel_group=_number(form, text, name(row, "group"), None),
        required_attachments=_number(form, text, name(row, "attachments"), 0) or 0,
        estimated_minutes=_number(form, text, name(row, "minutes"), 30) or 0,
        flat_price=price, checklist=_checklist(form.get(name(row, "checklist"))))


def read_steps(form: Form, text: Text) -> Steps:
    """The filled rows as steps, in the order typed (typing errors go in ``form.errors``)."""
    used: list[tuple[int, int]] = []
    for row in range(row_count(form)):
        if not any(form.get(name(row, c)) for c in ("name_en", "name_ar", "checklist", "price")):
            continue
        order = _number(form, text, name(row, "order"), None)
        used.append((order if order is not None else 10_000 + row, row))
    used.sort()
    return Steps(tuple(_row(form, text, row) for _, row in used), tuple(row for _, row in used))


def place_error(form: Form, text: Text, steps: Steps, error: DomainError) -> None:
    """Show a template service's refusal beside the field it concerns."""
    position, group = error.params.get("position"), error.params.get("group")
    row = None
    if isinstance(position, int) and 0 < position <= len(steps.rows):
        row = steps.rows[position - 1]
    elif isinstance(group, int):
        row = next((r for s, r in zip(steps.specs, steps.rows, strict=True) if s.parallel_group == group),
                   None)
    field = str(error.params.get("field", ""))
    column = _COLUMN_OF.get(error.key) or ("checklist" if field.startswith("checklist") else field)
    message = text(_BESIDE.get(error.key, error.key), **error.params)
    if row is not None and column in COLUMNS:
        form.errors[name(row, column)] = message
    elif position == 0 and column in ("name_en", "name_ar"):
        form.errors[column] = message
    else:
        form.errors["__form__"] = message
