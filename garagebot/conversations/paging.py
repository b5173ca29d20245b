"""Long choice lists, one page at a time.

A reply with more choices than fit on a page shows the first page and
"‹ previous" / "next ›" buttons; the whole list is kept in the conversation
(``remember``) so a page button can show another page by editing the same
message, without running the flow's step again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from garagebot.conversations.commands import GlobalCommand, choice_for
from garagebot.conversations.types import ParamValue, Reply
from garagebot.core.jsonable import JsonValue
from garagebot.core.ports import Choice


def needs_paging(reply: Reply, page_size: int) -> bool:
    return len(reply.choices) > page_size


def page_count(reply: Reply, page_size: int) -> int:
    return max(1, -(-len(reply.choices) // page_size))


def page_of(reply: Reply, page: int, page_size: int, *, edit_message_id: str | None = None) -> Reply:
    """``reply`` showing only page ``page`` (0-based, clamped) of its choices,
    with navigation buttons and the page position as ``page``/``pages`` params."""
    pages = page_count(reply, page_size)
    page = min(max(page, 0), pages - 1)
    shown = list(reply.choices[page * page_size:(page + 1) * page_size])
    if page > 0:
        shown.append(Choice(choice_for(GlobalCommand.PAGE, page - 1), "bot.choice_previous_page"))
    if page < pages - 1:
        shown.append(Choice(choice_for(GlobalCommand.PAGE, page + 1), "bot.choice_next_page"))
    params: dict[str, ParamValue] = {**reply.params, "page": page + 1, "pages": pages}
    return Reply(reply.key, params, tuple(shown), reply.media, edit_message_id)


def remember(reply: Reply) -> dict[str, JsonValue]:
    """The reply as JSON for the conversation's data."""
    return {
        "key": reply.key,
        "params": dict(reply.params),
        "choices": [{"id": c.id, "key": c.key, "params": dict(c.params)} for c in reply.choices],
    }


def recall(saved: Mapping[str, JsonValue]) -> Reply:
    """The reply ``remember`` stored."""
    params = cast(Mapping[str, ParamValue], saved.get("params") or {})
    raw = cast(list[Mapping[str, JsonValue]], saved.get("choices") or [])
    choices = tuple(
        Choice(str(c["id"]), str(c["key"]), cast(Mapping[str, str | int], c.get("params") or {}))
        for c in raw
    )
    return Reply(str(saved["key"]), dict(params), choices)
