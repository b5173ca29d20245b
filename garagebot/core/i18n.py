"""Message catalogs: keys in code, English and Arabic text in ``locales/``.

Every ``locales/<lang>/LC_MESSAGES/*.po`` file is read with Babel and merged
into one catalog per language, so each part of the code base keeps its own
file. The catalog is chosen per recipient (``render(locale, …)``), never
process-wide.

Plurals use the ``Plural-Forms`` expression written in our own PO headers,
not Babel's built-in table, whose Arabic rule has the "many" and "other"
forms swapped (python-babel issue 816). In Arabic text every parameter is
wrapped in FSI … PDI (U+2068 … U+2069) so that plates, part numbers and
amounts keep their own direction; bidi controls inside parameters are
stripped first.

A parameter named ``@name`` holds a message key: it is rendered in the same
language and fills ``{name}`` (a status name, a decision), so code passes
keys, never text. A parameter ``<name>_ar`` stands for ``<name>`` in Arabic
text (a step's Arabic name beside its English one in a domain error).
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.pofile import read_po

from garagebot.core.normalize import clean_text

log = logging.getLogger(__name__)

FSI, PDI = "\u2068", "\u2069"
RTL_LOCALES = frozenset({"ar"})
FALLBACK = "en"


# A moment written short, the way each language punctuates it (Arabic takes its own comma).
_SHORT_WHEN = {"ar": "EEE d MMM، HH:mm"}
_SHORT_WHEN_DEFAULT = "EEE d MMM, HH:mm"


def short_when(when: dt.datetime, zone: str, locale: str) -> str:
    """``when`` in ``zone`` for a reader of ``locale``: "Tue 8 Dec, 17:00", "الثلاثاء 8 ديسمبر، 17:00"."""
    pattern = _SHORT_WHEN.get(locale, _SHORT_WHEN_DEFAULT)
    return str(format_datetime(when.astimezone(zoneinfo.ZoneInfo(zone)), pattern, locale=locale))


def default_locales_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "locales"


@dataclass(frozen=True, slots=True)
class _Catalog:
    singular: Mapping[str, str]
    plural: Mapping[str, tuple[str, ...]]
    plural_index: Callable[[int], int]


def _plural_function(header: str) -> Callable[[int], int]:
    expr = header.split("plural=", 1)[1].strip().rstrip(";")
    plural: Callable[[int], int] = gettext.c2py(expr)
    return plural


def _load_language(folder: Path) -> _Catalog:
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    plural_forms: str | None = None
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        header = dict(catalog.mime_headers).get("Plural-Forms")
        if header and plural_forms and header != plural_forms:
            raise ValueError(f"{po}: Plural-Forms differs from the other files of the language")
        plural_forms = plural_forms or header
        for message in catalog:
            if not message.id:
                continue
            key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
            if key in singular or key in plural:
                raise ValueError(f"{po}: key {key!r} is defined twice")
            if isinstance(message.string, tuple | list):
                plural[key] = tuple(str(s) for s in message.string)
            elif message.string:
                singular[key] = str(message.string)
    if plural_forms is None:
        raise ValueError(f"{folder}: no Plural-Forms header")
    return _Catalog(singular, plural, _plural_function(plural_forms))


class Translator:
    """Renders message keys for one recipient's language."""

    def __init__(self, catalogs: Mapping[str, _Catalog]) -> None:
        self._catalogs = dict(catalogs)

    @classmethod
    def load(cls, locales_dir: Path | None = None) -> Translator:
        root = locales_dir or default_locales_dir()
        catalogs = {
            lang.name: _load_language(lang / "LC_MESSAGES")
            for lang in sorted(root.iterdir())
            if (lang / "LC_MESSAGES").is_dir()
        }
        return cls(catalogs)

    @property
    def languages(self) -> list[str]:
        return sorted(self._catalogs)

    def keys(self, locale: str) -> set[str]:
        cat = self._catalogs[locale]
        return set(cat.singular) | set(cat.plural)

    def has(self, locale: str, key: str) -> bool:
        return locale in self._catalogs and key in self.keys(locale)

    def render(self, locale: str, key: str, params: Mapping[str, object] | None = None) -> str:
        """The text of ``key`` in ``locale`` (falling back to English, then to the
        key itself). A ``count`` parameter selects the plural form."""
        params = self._nested(locale, dict(params or {}))
        for lang in (locale, FALLBACK):
            cat = self._catalogs.get(lang)
            template = self._template(cat, key, params.get("count")) if cat else None
            if template is not None:
                return self._fill(template, params, rtl=lang in RTL_LOCALES)
        log.warning("missing message key %s (%s)", key, locale)
        return key

    def _nested(self, locale: str, params: dict[str, object]) -> dict[str, object]:
        """``{"@status": "status.session.new"}`` → ``{"status": "New"}`` in
        ``locale``; in Arabic, ``{"step_ar": …}`` fills ``{step}``."""
        for name in [k for k in params if k.startswith("@")]:
            params[name[1:]] = self.render(locale, str(params.pop(name)))
        if locale in RTL_LOCALES:
            params.update({k[:-3]: v for k, v in params.items() if k.endswith("_ar") and v})
        return params

    @staticmethod
    def _template(cat: _Catalog, key: str, count: object) -> str | None:
        if key in cat.plural:
            n = count if isinstance(count, int) else 0
            forms = cat.plural[key]
            return forms[min(cat.plural_index(n), len(forms) - 1)]
        return cat.singular.get(key)

    @staticmethod
    def _fill(template: str, params: Mapping[str, object], *, rtl: bool) -> str:
        def show(value: object) -> str:
            text = clean_text(str(value)) if value is not None else ""
            return f"{FSI}{text}{PDI}" if rtl and text else text

        try:
            return template.format_map({k: show(v) for k, v in params.items()})
        except (KeyError, IndexError, ValueError):
            log.exception("bad parameters for a message template")
            return template
