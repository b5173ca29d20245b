"""The one form pattern: what was typed is kept, and each error is shown
beside its field in the reader's language.

A handler reads the posted values into a ``Form``, calls a core service, and
on a ``DomainError`` asks ``form.fail(error)`` to place the message: the
error's key names its field through ``FIELD_OF`` (or the form's top when it
concerns no single field). The page is rendered again with ``form``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aiohttp import web

from garagebot.admin_web.text import Text
from garagebot.core.errors import DomainError

# Error key → the form field it concerns.
FIELD_OF: Mapping[str, str] = {
    "console.error.password_short": "password",
    "console.error.password_long": "password",
    "console.error.password_common": "password",
    "console.error.password_is_name": "password",
    "console.error.passwords_differ": "password2",
    "console.error.login_invalid": "login",
    "console.error.login_taken": "login",
    "console.error.required": "",
    "error.invalid_choice": "",
}
TOP = "__form__"


@dataclass
class Form:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def read(cls, request: web.Request, names: Iterable[str]) -> Form:
        posted = await request.post()
        return cls({n: str(posted.get(n, "")).strip() if n not in ("password", "password2")
                    else str(posted.get(n, "")) for n in names})

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def fail(self, text: Text, error: DomainError, default_field: str = TOP) -> None:
        name = FIELD_OF.get(error.key) or default_field
        self.errors[name] = text(error.key, **error.params)

    def require(self, text: Text, *names: str) -> bool:
        for name in names:
            if not self.get(name):
                self.errors[name] = text("console.error.required")
        return not self.errors

    def kept(self) -> dict[str, str]:
        """The values to show again (never a password)."""
        return {k: v for k, v in self.values.items() if k not in ("password", "password2")}
