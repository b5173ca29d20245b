"""Password hashing (argon2id) and the password rules.

A password is at least ``MIN_LENGTH`` characters, not one of the 1,000
common passwords shipped beside this module (``common_passwords.txt``),
and not the login name or the person's name. The deny list is read once,
on first use.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from garagebot.core.errors import InvalidInput

MIN_LENGTH = 10
MAX_LENGTH = 200
DENY_LIST = Path(__file__).resolve().parent / "common_passwords.txt"
# Compared against when the login is unknown, so a miss costs the same time as a wrong password.
_DUMMY_PASSWORD = "not-a-password-of-anyone"  # noqa: S105  (not a credential)


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id, the library's RFC 9106 "low memory" profile


@functools.cache
def common_passwords() -> frozenset[str]:
    lines = DENY_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def check_policy(password: str, *, login: str, name: str) -> None:
    """Raise InvalidInput (with a key for the form's password field) when the
    password breaks a rule."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput("console.error.password_short", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise InvalidInput("console.error.password_long", max=MAX_LENGTH)
    lowered = password.strip().lower()
    if lowered in common_passwords():
        raise InvalidInput("console.error.password_common")
    if lowered in {login.strip().lower(), name.strip().lower()}:
        raise InvalidInput("console.error.password_is_name")


async def hash_password(password: str) -> str:
    """The argon2id hash (computed off the event loop: it is meant to be slow)."""
    return await asyncio.to_thread(_hasher().hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        if stored is None:
            _hasher().verify(_dummy_hash(), password)
            return False
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher().hash(_DUMMY_PASSWORD)


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (None: no password set; still
    spends the time of a check)."""
    return await asyncio.to_thread(_verify, stored, password)
