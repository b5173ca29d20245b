"""What the authorization tests share: the quote rows that matter, read
before and after an attack, and what the attacker was told."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from garagebot.core.enums import SessionStatus
from garagebot.core.ids import OrgId, QuoteId, SessionId
from garagebot.core.models import AuditEntry, Quote, QuoteDecision, QuoteLine, RepairSession
from garagebot.core.uow import Database
from tests.conftest import Staff, make_staff, new_garage
from tests.conversations.client.harness import LINES, mobile, outbox_to, plain, sent_quote, translator, visit

REFUSED = "client.quote_button_refused"
ATTACKERS = ("another client of the garage", "an unknown number", "a client of another garage")
Press = Callable[[str, str], Awaitable[int]]  # (sender, payload) → HTTP status
S = SessionStatus


@dataclass(frozen=True)
class QuoteState:
    """Everything a decision would change: the quote's status, each line's
    decision and who made it, the session's status, the decision records and
    the audit entries of the garage."""

    status: str
    lines: tuple[tuple[str, str | None], ...]
    session: str
    decisions: int
    audit: int


async def quote_state(db: Database, org: OrgId, qid: QuoteId, sid: SessionId) -> QuoteState:
    async with db.read() as s:
        status = (await s.scalars(select(Quote.status).where(Quote.id == qid))).one()
        lines = (await s.execute(select(QuoteLine.decision, QuoteLine.decided_by_kind)
                                 .where(QuoteLine.quote_id == qid).order_by(QuoteLine.position))).all()
        session = (await s.scalars(select(RepairSession.status).where(RepairSession.id == sid))).one()
        decisions = await s.scalar(select(func.count()).select_from(QuoteDecision)
                                   .where(QuoteDecision.quote_id == qid))
        audit = await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.organization_id == org,
            AuditEntry.entity.in_(("quote", "quote_line", "repair_session"))))
    return QuoteState(str(status), tuple((str(d), k) for d, k in lines), str(session), int(decisions or 0),
                      int(audit or 0))


async def told(db: Database, phone: str) -> list[tuple[str, str]]:
    """(key, text as read) of every message queued to ``phone``."""
    tr = translator()
    out = []
    for row in await outbox_to(db, phone):
        params = row.payload.get("params")
        out.append((row.topic, plain(tr.render(row.locale or "en", row.topic,
                                               params if isinstance(params, dict) else {}))))
    return out


def reveals_nothing(text: str) -> bool:
    """No line, price or total of the victim's quote (``harness.LINES``) in ``text``."""
    secrets = [w for en, ar, price in LINES for w in (en, ar, price)] + ["52.200", "75.980"]
    return not any(s in text for s in secrets)


def payload_kinds(qid: int, line: int) -> list[str]:
    """Every quote button payload the product emits (``conversations.client.quote``)."""
    return [f"q:{qid}:all:a", f"q:{qid}:all:d", f"q:{qid}:pick", f"q:{qid}:l:{line}",
            f"q:{qid}:l:{line}:a", f"q:{qid}:l:{line}:d", f"q:{qid}:l:{line}:f"]


async def other_garage(db: Database) -> tuple[OrgId, Staff]:
    org = await new_garage(db)
    return org, await make_staff(db, org)


async def attack(db: Database, staff: Staff, attacker: str, ours: Press,
                  theirs: Callable[[OrgId, Staff], Awaitable[Press]]) -> None:
    """Every payload kind on the victim's quote, pressed by ``attacker``."""
    victim = await visit(db, staff, path=(S.DIAGNOSING,))
    qid, lines = await sent_quote(db, staff, victim)
    press, sender = ours, mobile()
    if attacker == ATTACKERS[0]:
        sender = (await visit(db, staff, name="Omar", path=(S.DIAGNOSING,))).phone
    elif attacker == ATTACKERS[2]:
        other_org, other_staff = await other_garage(db)
        press = await theirs(other_org, other_staff)
        own = await visit(db, other_staff, name="Omar", path=(S.DIAGNOSING,))
        await sent_quote(db, other_staff, own)  # they have a quote of their own there
        sender = own.phone
    before = await quote_state(db, staff.org, qid, victim.session_id)

    for data in payload_kinds(qid, lines[1]):
        assert await press(sender, data) == 200, data

    assert await quote_state(db, staff.org, qid, victim.session_id) == before
    said = await told(db, sender)
    assert [key for key, _ in said] == [REFUSED] * 7
    assert all(reveals_nothing(text) for _, text in said)
