"""Every kind of actor the audit trail records has a name on the console's audit page."""

from __future__ import annotations

import pytest

from garagebot.core.enums import ActorKind, Locale
from garagebot.core.i18n import Translator


@pytest.mark.parametrize("locale", list(Locale))
@pytest.mark.parametrize("kind", list(ActorKind))
def test_every_actor_kind_is_named_in_both_languages(kind: ActorKind, locale: Locale) -> None:
    key = f"console.actor.{kind.value}"
    shown = Translator.load().render(locale.value, key)
    assert shown
    assert shown != key
