"""A client's rating (1–5) of a delivered repair and an optional comment.

One rating per session: rating again replaces the score (audited with the
old one). Only the session's own client, or staff who do intake (a rating
taken on the phone), may rate; only a DELIVERED session can be rated.
"""

from __future__ import annotations

from sqlalchemy import select

from garagebot.core.enums import ActorKind, SessionStatus
from garagebot.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from garagebot.core.ids import SessionId
from garagebot.core.models import ClientRating, RepairSession
from garagebot.core.normalize import clean_text
from garagebot.core.permissions import Permission
from garagebot.core.uow import UnitOfWork

MIN_SCORE, MAX_SCORE = 1, 5
MAX_COMMENT = 2000


async def _rated_session(uow: UnitOfWork, session_id: SessionId) -> RepairSession:
    rs = await uow.get(RepairSession, session_id)
    if uow.actor.kind is ActorKind.CLIENT:
        if uow.actor.id != rs.client_id:
            raise PermissionDenied("error.not_your_account")
    else:
        await uow.require(Permission.INTAKE)
    if rs.status != SessionStatus.DELIVERED.value:
        raise InvalidTransition("error.rating_not_delivered", number=rs.number)
    return rs


async def _rating(uow: UnitOfWork, session_id: int) -> ClientRating | None:
    return (await uow.session.scalars(
        select(ClientRating).where(ClientRating.organization_id == uow.org_id,
                                   ClientRating.session_id == session_id).with_for_update()
    )).one_or_none()


async def rate_visit(uow: UnitOfWork, session_id: SessionId, score: int) -> None:
    """Record (or replace) the session's 1–5 rating."""
    if isinstance(score, bool) or not MIN_SCORE <= score <= MAX_SCORE:
        raise InvalidInput("error.rating_out_of_range", low=MIN_SCORE, high=MAX_SCORE)
    rs = await _rated_session(uow, session_id)
    rating = await _rating(uow, rs.id)
    before = None if rating is None else {"score": rating.score}
    if rating is None:
        rating = ClientRating(organization_id=uow.org_id, session_id=rs.id, client_id=rs.client_id,
                              score=score, channel=uow.actor.channel.value, created_at=uow.now)
        uow.session.add(rating)
        await uow.session.flush()
    else:
        rating.score = score
    await uow.audit("client_rating", rating.id, "rate", before=before,
                    after={"session_id": rs.id, "score": score})
    uow.emit("client.rated", {"session_id": rs.id, "client_id": rs.client_id, "score": score,
                              "advisor_id": rs.advisor_id})


async def comment_visit(uow: UnitOfWork, session_id: SessionId, comment: str) -> None:
    """Attach the client's comment to the session's rating (rated first)."""
    text = clean_text(comment)
    if not text:
        raise InvalidInput("error.rating_comment_empty")
    if len(text) > MAX_COMMENT:
        raise InvalidInput("error.rating_comment_too_long", max=MAX_COMMENT)
    rs = await _rated_session(uow, session_id)
    rating = await _rating(uow, rs.id)
    if rating is None:
        raise InvalidTransition("error.rating_missing", number=rs.number)
    before = {"comment": rating.comment}
    rating.comment, rating.commented_at = text, uow.now
    await uow.audit("client_rating", rating.id, "comment", before=before, after={"comment": text})
    uow.emit("client.commented", {"session_id": rs.id, "client_id": rs.client_id,
                                  "advisor_id": rs.advisor_id})
