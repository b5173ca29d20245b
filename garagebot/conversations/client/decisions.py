"""Reading a client's typed answer to a quote, never guessing about money.

A reply is taken as it stands only in an **exact** form, the forms the quote
message teaches:

- line numbers alone ("1,3", "1 3", "1 و 3", "١،٣"): those lines approved,
  the other pending ones declined (the prompt says so);
- one word or phrase for every line, alone: "all" / "كل" / "الكل" /
  "approve all" / "موافق على الكل" approve every pending line; "none" /
  "decline all" / "رفض الكل" decline them;
- a verb and line numbers, alone ("approve 1,3", "decline 2", "defer 3",
  "رفض ٢", "تأجيل ٢"): those lines only.

Any other reply that reads as a decision ("موافق على ١ بس", "approve all
except 2", "ok go ahead", "lines 1 and 3 please") is **echoed** back with
exactly what was understood, and decides nothing until the client confirms.
A reply that mixes a decision with what cannot be read for certain (a
question, a range "1-3", an ordinal "the first one", a line decided two
ways, a word not known here) **asks again**. Anything that does not read as
a decision at all is None and goes on to the other intents.

Line numbers are 1-based positions in the quote; ``quote`` maps them to
lines and refuses numbers the quote does not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from garagebot.conversations.client.intents import PHRASES, Intent, after_intent, numbers
from garagebot.conversations.text import normalize
from garagebot.core.billing.enums import LineDecision


class Certainty(StrEnum):
    EXACT = "exact"  # decide now
    CONFIRM = "confirm"  # echo what was understood, decide on "yes"
    AGAIN = "again"  # ask again, decide nothing


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reply decides: line number → decision (empty when asked again)."""

    certainty: Certainty
    by_number: Mapping[int, LineDecision]


A, D, F = LineDecision.APPROVED, LineDecision.DECLINED, LineDecision.DEFERRED


class _Kind(StrEnum):
    VERB = "verb"
    ALL = "all"
    NONE = "none"
    EXCEPT = "except"
    ONLY = "only"
    LINE = "line"
    FILLER = "filler"
    NEGATION = "negation"


# Words and phrases by what they do in a reply, "|"-separated (compared after ``normalize``).
_LEXICON: Mapping[tuple[_Kind, LineDecision | None], str] = {
    (_Kind.VERB, A): (
        "approve|approved|accept|agree|i agree|go ahead|do|fix|i want|اوافق|موافق|موافقه|"
        "وافق|وافقت|اقبل|بدي|اعملوا|اعمل|صلحوا|صلح|ركبوا|اعتمد"
    ),
    (_Kind.VERB, D): (
        "decline|declined|reject|refuse|dont approve|do not approve|dont want|dont do|"
        "do not do|ارفض|رفض|لا اوافق|مش موافق|مو موافق|ما بدي|مش بدي|بلاش|لا تعملوا|لا تعمل"
    ),
    (_Kind.VERB, F): "defer|later|postpone|next time|تاجيل|اجل|اجلوا|لاحقا|بعدين|المره الجايه",
    (_Kind.ALL, None): (
        "all|everything|every line|all of them|all lines|كل|الكل|كله|كلها|الجميع|جميعها|"
        "كل البنود|كل شي|كلشي|the rest|rest|others|the others|الباقي|الباقيين|البقيه"
    ),
    (_Kind.NONE, None): "none|nothing|none of them|لا شيء|ولا شي|ولا واحد|ولا اشي|ولا بند",
    (_Kind.EXCEPT, None): (
        "except|but not|apart from|other than|without|minus|ما عدا|عدا|الا|غير|باستثناء|"
        "بدون"
    ),
    (_Kind.ONLY, None): "only|just|بس|فقط|bas",
    (_Kind.LINE, None): "line|lines|item|items|number|numbers|بند|البند|بنود|البنود|رقم|الرقم|البندين",
    (_Kind.NEGATION, None): "no|not|dont|لا|مش|مو|ما",
    (_Kind.FILLER, None): (
        "and|please|pls|plz|thanks|thank you|thx|ok|okay|yes|yeah|sure|i|the|on|for|to|"
        "of|with|them|it|good|fine|great|perfect|quote|we|و|علي|لو سمحت|من فضلك|شكرا|"
        "مشكور|مشكورين|تمام|اه|نعم|ايوه|ايوا|انا|يا|اخي|طيب|ماشي|اوكي|خلص|يعطيك العافيه|"
        "العرض|عرض السعر|السعر"
    ),
}
# Each phrase as words, longest first (a phrase of more words wins: "لا اوافق" over "لا").
_PHRASES = sorted(((tuple(normalize(p).split()), kind, decision)
                   for (kind, decision), ps in _LEXICON.items() for p in ps.split("|")),
                  key=lambda e: -len(e[0]))
_TOKENS = re.compile(r"\d+|[^\W\d_]+")
_RANGE = re.compile(r"\d\s*(?:-|–|to|الى|لـ)\s*\d")
_EXACT_ALL = frozenset(normalize(p) for p in (*PHRASES[Intent.ALL], "كل"))
_EXACT_NONE = frozenset(normalize(p) for p in PHRASES[Intent.NONE])
_VERBS = {Intent.APPROVE: A, Intent.DECLINE: D, Intent.DEFER: F}
_OPPOSITE = {A: D, D: A}

Token = tuple[_Kind | None, LineDecision | int | None]  # (None, n): the number n; (None, None): unknown


def _tokens(value: str) -> list[Token]:
    words = _TOKENS.findall(value.replace("'", "").replace("’", ""))
    out: list[Token] = []
    i = 0
    while i < len(words):
        if words[i].isdigit():
            out.append((None, int(words[i]) if len(words[i]) <= 3 else -1))
            i += 1
            continue
        for phrase, kind, decision in _PHRASES:
            if tuple(words[i : i + len(phrase)]) == phrase:
                out.append((kind, decision))
                i += len(phrase)
                break
        else:
            out.append((None, None))
            i += 1
    return out


def exact(text: str, pending: Sequence[int]) -> Reading | None:
    """The exact forms (see the module docstring), or None (a question never is one)."""
    if "?" in text or "؟" in text:
        return None
    value = normalize(text)
    if value in _EXACT_ALL:
        return Reading(Certainty.EXACT, dict.fromkeys(pending, A))
    if value in _EXACT_NONE:
        return Reading(Certainty.EXACT, dict.fromkeys(pending, D))
    listed = numbers(text)
    if listed is not None:
        return Reading(Certainty.EXACT, {**dict.fromkeys(pending, D), **dict.fromkeys(listed, A)})
    for verb, decision in _VERBS.items():
        named = after_intent(text, verb)
        if named is not None:
            return Reading(Certainty.EXACT, dict.fromkeys(named, decision))
    return None


def read(text: str, pending: Sequence[int]) -> Reading | None:
    """What ``text`` decides on a quote whose pending lines are ``pending``;
    None when it is not about the quote."""
    found = exact(text, pending)
    if found is not None:
        return found
    tokens = _tokens(normalize(text))
    kinds = {k for k, _ in tokens}
    has_numbers = any(k is None and isinstance(v, int) for k, v in tokens)
    unknown = (None, None) in tokens
    decisive = bool(kinds & {_Kind.VERB, _Kind.ALL, _Kind.NONE})
    if not decisive and not (has_numbers and (not unknown or kinds & {_Kind.LINE, _Kind.ONLY, _Kind.EXCEPT})):
        return None
    if unknown or _Kind.NEGATION in kinds or "?" in text or "؟" in text or _RANGE.search(normalize(text)):
        return Reading(Certainty.AGAIN, {})
    decided = _decide(tokens, pending)
    return Reading(Certainty.AGAIN, {}) if not decided else Reading(Certainty.CONFIRM, decided)


@dataclass(slots=True)
class _Scan:
    """What a reply's words say, in order: lines named with a verb, numbers
    before any verb, numbers after "except", the verbs, the decision for the
    other lines ("all", "none"), and "only"."""

    named: dict[int, LineDecision] = field(default_factory=dict)
    loose: list[int] = field(default_factory=list)
    excepted: list[int] = field(default_factory=list)
    verbs: list[LineDecision] = field(default_factory=list)
    rest: LineDecision | None = None
    only: bool = False


def _scan(tokens: Sequence[Token]) -> _Scan | None:
    """The scan of a reply made only of known words; None when a line is named two ways."""
    scan, after_except = _Scan(), False
    for kind, value in tokens:
        if kind is _Kind.VERB and isinstance(value, LineDecision):
            scan.verbs.append(value)
        elif kind is _Kind.ALL:
            scan.rest = scan.verbs[-1] if scan.verbs else A
        elif kind is _Kind.NONE:
            scan.rest = D
        elif kind is _Kind.EXCEPT:
            after_except = True
        elif kind is _Kind.ONLY:
            scan.only = True
        elif kind is None and isinstance(value, int):
            if value < 1 or (scan.verbs and scan.named.get(value, scan.verbs[-1]) is not scan.verbs[-1]):
                return None
            if after_except:
                scan.excepted.append(value)
            elif scan.verbs:
                scan.named[value] = scan.verbs[-1]
            else:
                scan.loose.append(value)
    return scan


def _decide(tokens: Sequence[Token], pending: Sequence[int]) -> dict[int, LineDecision] | None:
    """The decisions of a reply made only of known words; None when they contradict."""
    scan = _scan(tokens)
    if scan is None or (len(set(scan.verbs)) > 1 and scan.loose):
        return None  # "1 approve 2 decline": which verb do 1 and 2 take?
    named, rest = scan.named, scan.rest
    for n in scan.loose:
        named.setdefault(n, scan.verbs[0] if scan.verbs else A)
    if scan.loose and not scan.verbs and rest is None:
        rest = D  # "lines 1 and 3 please": as "1,3"
    if rest is None and scan.verbs and not named:
        rest = scan.verbs[0]  # "ok, go ahead": every pending line
    if scan.excepted:
        rest = rest or (scan.verbs[0] if scan.verbs else A)
        if rest not in _OPPOSITE:
            return None
        named.update(dict.fromkeys(scan.excepted, _OPPOSITE[rest]))
    if scan.only:
        if rest not in (None, D) or not named or any(d is not A for d in named.values()):
            return None
        rest = D  # "approve 1 only": the others declined
    if not named and rest is None:
        return None
    return {**({n: rest for n in pending if n not in named} if rest is not None else {}), **named}
