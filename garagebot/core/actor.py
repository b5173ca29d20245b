"""Who is acting, for which garage, through which channel."""

from __future__ import annotations

from dataclasses import dataclass

from garagebot.core.enums import ActorKind, Channel
from garagebot.core.ids import ClientId, OrgId, UserId


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a service. The role is never trusted from here: services
    load the user row and check it."""

    org_id: OrgId
    kind: ActorKind
    id: int | None
    channel: Channel

    @classmethod
    def user(cls, org_id: OrgId, user_id: UserId, channel: Channel) -> Actor:
        return cls(org_id, ActorKind.USER, user_id, channel)

    @classmethod
    def client(cls, org_id: OrgId, client_id: ClientId, channel: Channel) -> Actor:
        return cls(org_id, ActorKind.CLIENT, client_id, channel)

    @classmethod
    def system(cls, org_id: OrgId, channel: Channel = Channel.SYSTEM) -> Actor:
        return cls(org_id, ActorKind.SYSTEM, None, channel)

    @classmethod
    def contact(cls, org_id: OrgId, channel: Channel) -> Actor:
        """A chat address the garage does not know (no client row yet). It is
        neither a client nor the system: every permission check refuses it
        (``UnitOfWork.require``), and no client service accepts it."""
        return cls(org_id, ActorKind.CONTACT, None, channel)
