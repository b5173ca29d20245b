"""Hypothesis settings and strategies shared by the webhooks' and pages'
property tests (issue 11, point 3): arbitrary bytes, any Unicode (NUL and
lone surrogates included), sizes, and nested JSON. Bounded: few examples,
no deadline, so each file runs in seconds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

FUZZ = settings(
    max_examples=20, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
)

# Any code point, NUL and lone surrogates included (Hypothesis leaves surrogates out by default).
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=200) | st.sampled_from(["", "\x00", "\ud800", "\udfff", "a\x00\ud83d"])
big_text = st.integers(min_value=1, max_value=5000).map(lambda n: "x" * n)
texts = any_text | big_text
scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
           | st.floats(allow_nan=False, allow_infinity=False) | texts)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=20)
raw_bytes = st.binary(max_size=2000)


def deeply_nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def json_body(value: object) -> bytes:
    """``value`` as JSON bytes the way a provider may escape it (ASCII, surrogates as \\u escapes)."""
    return json.dumps(value).encode()
