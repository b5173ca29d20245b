"""Building the long-lived objects of a process, inside a context (never at import).

``open_runtime`` is used by the web app's cleanup_ctx, the arq worker's
on_startup and the CLI. It builds the Database, translator, transports,
subscribers, dispatcher, storage and the queue of the run mode, then runs
every ``Wiring``: the hook through which later rooms replace a channel's dry
run with its real sender or subscribe to domain events, in every process
alike (web and worker must agree on who sends what).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from arq.connections import ArqRedis

from garagebot.app.queue import InProcessDrainer, RedisNotifier, connect_redis
from garagebot.app.settings import Settings
from garagebot.app.storage import LocalFileStorage
from garagebot.app.transports import default_transports
from garagebot.conversations.dialog import DialogConfig
from garagebot.conversations.engine import Engine, EngineConfig
from garagebot.conversations.flows import default_registry
from garagebot.core.billing import subscribers as billing_subscribers
from garagebot.core.dispatch import Dispatcher, DispatchPolicy, Subscribers, Transports
from garagebot.core.i18n import Translator
from garagebot.core.ports import Clock, OutboxNotifier
from garagebot.core.telemetry import NULL_TELEMETRY, Telemetry
from garagebot.core.uow import Database
from garagebot.core.work import subscribers as work_subscribers


@dataclass(frozen=True, slots=True)
class Runtime:
    """Everything a process shares between requests or jobs."""

    settings: Settings
    db: Database
    translator: Translator
    transports: Transports
    subscribers: Subscribers
    dispatcher: Dispatcher
    storage: LocalFileStorage
    redis: ArqRedis | None
    drainer: InProcessDrainer | None
    engine: Engine
    telemetry: Telemetry = NULL_TELEMETRY


# A wiring registers transports and subscribers; it may push cleanups on the stack.
Wiring = Callable[[Runtime, AsyncExitStack], Awaitable[None]]

def _wirings() -> tuple[Wiring, ...]:
    # Imported here: the channel modules import this one for Runtime.
    from garagebot.app.channels import channels_wiring
    from garagebot.app.pages import notify_wiring
    from garagebot.app.telegram import telegram_wiring

    return (telegram_wiring, channels_wiring, notify_wiring, core_wiring)


async def core_wiring(runtime: Runtime, stack: AsyncExitStack) -> None:
    """The core's own reactions: a cancelled session rejects its open job cards;
    a sent quote expires when its validity ends."""
    work_subscribers.register(runtime.subscribers)
    billing_subscribers.register(runtime.subscribers)


def _queue(
    settings: Settings, stack: AsyncExitStack, in_process_drain: bool
) -> tuple[ArqRedis | None, InProcessDrainer | None, OutboxNotifier | None]:
    """The run mode's Redis client, in-process drainer and the notifier the Database gets."""
    if settings.redis_url:
        redis = connect_redis(settings.redis_url, settings.queue_name)
        stack.push_async_callback(redis.aclose)
        return redis, None, RedisNotifier(redis, settings.queue_name)
    if in_process_drain:
        drainer = InProcessDrainer(settings.outbox_poll_seconds)
        return None, drainer, drainer
    return None, None, None


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    in_process_drain: bool = True,
    clock: Clock | None = None,
    wirings: Sequence[Wiring] | None = None,
    policy: DispatchPolicy | None = None,
    telemetry: Telemetry = NULL_TELEMETRY,
) -> AsyncIterator[Runtime]:
    """Build the runtime and close it on exit.

    Without REDIS_URL and with ``in_process_drain``, a background task drains the
    outbox in this process; with REDIS_URL, commits wake the worker (``app.worker``).
    """
    async with AsyncExitStack() as stack:
        redis, drainer, notifier = _queue(settings, stack, in_process_drain)
        # The worker (Redis mode, no in-process drain) keeps a fixed pool: with many
        # sends in flight, overflow connections would be opened and closed all the time.
        pool = {"pool_size": 30, "max_overflow": 0} if redis is not None and not in_process_drain else {}
        db = Database(settings.database_url, clock=clock, notifier=notifier, **pool)
        stack.push_async_callback(db.dispose)
        translator = Translator.load()
        transports, subscribers = default_transports(), Subscribers()
        dispatcher = Dispatcher(
            db, translator, transports, subscribers,
            policy=policy or DispatchPolicy(
                lease=dt.timedelta(seconds=settings.outbox_lease_seconds),
                concurrency=settings.outbox_concurrency),
            default_locale=settings.default_locale,
            telemetry=telemetry,
        )
        storage = LocalFileStorage(settings.media_dir)
        runtime = Runtime(
            settings=settings, db=db, translator=translator, transports=transports,
            subscribers=subscribers, dispatcher=dispatcher,
            storage=storage, redis=redis, drainer=drainer,
            engine=Engine(db, default_registry(storage), config=EngineConfig(dialog=DialogConfig(
                idle_timeout=dt.timedelta(minutes=settings.conversation_idle_minutes)))),
            telemetry=telemetry,
        )
        for wiring in _wirings() if wirings is None else wirings:
            await wiring(runtime, stack)
        if drainer is not None:
            drainer.start(dispatcher)
            stack.push_async_callback(drainer.stop)
        yield runtime
