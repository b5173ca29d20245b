"""What every database can store (``core.normalize.storable``) and JSON from
outside bounded in depth (``core.jsonable.load_json``), issue 11."""

from __future__ import annotations

import pytest

from garagebot.core.jsonable import load_json
from garagebot.core.normalize import clean_text, storable, storable_text


def test_nul_is_dropped_and_lone_surrogates_become_replacement_characters() -> None:
    assert storable_text("a\x00b\ud800c\udfff") == "ab\ufffdc\ufffd"
    assert storable_text("سيارتي 🚗") == "سيارتي 🚗"  # real text, astral characters included, untouched
    assert storable({"k\x00": ["\ud83d", 1, None, {"x": "\x00"}]}) == {"k": ["\ufffd", 1, None, {"x": ""}]}
    assert clean_text("  Lina\x00 Haddad\u202e ") == "Lina Haddad"


def test_json_is_read_up_to_a_depth_and_refused_beyond_it() -> None:
    in_a_string = b'{"a": [1, {"b": "' + b"[" * 100 + b' \\" {{"}]}'  # brackets that do not nest
    assert load_json(in_a_string) == {"a": [1, {"b": "[" * 100 + ' " {{'}]}
    assert load_json(b"[" * 64 + b"]" * 64) is not None
    for body in (b"[" * 65 + b"]" * 65, b"[" * 200_000, b"\xff", b"{"):
        with pytest.raises(ValueError):  # noqa: PT011 (every refusal is a ValueError)
            load_json(body)
