"""Signed client links: tokens name their subject, expire, and cannot be forged or reused across kinds."""

from __future__ import annotations

import datetime as dt

import pytest

from garagebot.core.errors import InvalidInput
from garagebot.core.links import (
    APPROVAL,
    TIMELINE,
    approval_url,
    make_token,
    read_token,
    timeline_url,
)

SECRET = "x" * 40
NOON = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def test_a_token_gives_back_its_subject_id() -> None:
    token = make_token(SECRET, TIMELINE, 42, now=NOON)
    assert read_token(SECRET, TIMELINE, token, 3600, now=NOON + dt.timedelta(minutes=59)) == 42


def test_a_token_older_than_its_max_age_is_refused_as_expired() -> None:
    token = make_token(SECRET, APPROVAL, 7, now=NOON)
    with pytest.raises(InvalidInput) as err:
        read_token(SECRET, APPROVAL, token, 3600, now=NOON + dt.timedelta(hours=1, seconds=1))
    assert err.value.key == "error.link_expired"


def test_a_token_of_another_kind_or_secret_or_altered_is_invalid() -> None:
    token = make_token(SECRET, TIMELINE, 42, now=NOON)
    for secret, kind, value in (
        (SECRET, APPROVAL, token),
        ("y" * 40, TIMELINE, token),
        (SECRET, TIMELINE, token[:-2] + ("AA" if not token.endswith("AA") else "BB")),
        (SECRET, TIMELINE, "not-a-token"),
    ):
        with pytest.raises(InvalidInput) as err:
            read_token(secret, kind, value, None, now=NOON)
        assert err.value.key == "error.link_invalid"


def test_urls_put_the_token_under_the_public_url() -> None:
    url = timeline_url("https://garage.example.com/", SECRET, 5, now=NOON)
    assert url.startswith("https://garage.example.com/t/")
    assert read_token(SECRET, TIMELINE, url.rsplit("/", 1)[1], None, now=NOON) == 5
    approval = approval_url("https://garage.example.com", SECRET, 9, now=NOON)
    assert read_token(SECRET, APPROVAL, approval.rsplit("/", 1)[1], None, now=NOON) == 9
