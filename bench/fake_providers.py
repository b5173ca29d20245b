"""Local fake providers for outbound benchmarks and fault tests: the Telegram
Bot API (sendMessage), Twilio's Messages API and Meta's Cloud API, on one
aiohttp server. Every call is recorded (when it started and finished), may
take ``latency`` seconds, and is checked against the provider's rate limit for
its lane (a Telegram chat and the whole bot; a Twilio sending number; a Meta
phone-number id): a call beyond a lane's token bucket is a violation."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

# Lanes' (rate a second, burst). The check allows 100 ms worth of tokens (at
# least one) beyond the burst: arrival jitter on a loaded machine, not a breach.
TELEGRAM_CHAT = (1.0, 3.0)
TELEGRAM_BOT = (30.0, 30.0)
META_NUMBER = (80.0, 80.0)
TWILIO_NUMBER = (1.0, 1.0)
JITTER_SECONDS = 0.1


@dataclass
class Call:
    provider: str
    lane: str
    recipient: str
    text: str
    started: float
    finished: float | None = None


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    @property
    def capacity(self) -> float:
        return self.burst + max(1.0, self.rate * JITTER_SECONDS)

    def take(self, now: float) -> bool:
        """Take a token; False when there was none (a violation)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate) - 1
        self.stamp = now
        return self.tokens >= -1e-6


@dataclass
class FakeProviders:
    """The server's state. ``limits`` overrides a lane's (rate, burst)."""

    latency: float = 0.0
    limits: dict[str, tuple[float, float]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    done: dict[str, float] = field(default_factory=dict)  # recipient → first answered call's end
    violations: list[str] = field(default_factory=list)
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 ** 2)
        app.router.add_post("/bot{token}/sendMessage", self._telegram)
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._twilio)
        app.router.add_post("/v21.0/{phone_id}/messages", self._meta)
        return app

    def sent_to(self) -> dict[str, int]:
        """Recipient → calls that finished (answered)."""
        counts: dict[str, int] = defaultdict(int)
        for call in self.calls:
            if call.finished is not None:
                counts[call.recipient] += 1
        return dict(counts)

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Until ``predicate()`` holds after some call started or finished."""
        changed = self._condition()
        async with changed:
            await changed.wait_for(predicate)

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    async def _notify(self) -> None:
        changed = self._condition()
        async with changed:
            changed.notify_all()

    def _check(self, lane: str, default: tuple[float, float], now: float) -> None:
        bucket = self._buckets.get(lane)
        if bucket is None:
            rate, burst = self.limits.get(lane, default)
            bucket = self._buckets[lane] = _Bucket(rate, burst, 0.0, now)
            bucket.tokens = bucket.capacity
        if not bucket.take(now):
            self.violations.append(f"{lane} over {bucket.rate}/s at {now:.3f}")
            bucket.tokens = 0.0  # one excess is one violation, not every call after it

    async def _record(self, call: Call) -> Call:
        self.calls.append(call)
        await self._notify()
        if self.latency:
            await asyncio.sleep(self.latency)  # the provider's own latency
        call.finished = self.clock()
        self.done.setdefault(call.recipient, call.finished)
        await self._notify()
        return call

    async def _telegram(self, request: web.Request) -> web.Response:
        now = self.clock()  # the arrival, before reading the body
        body = await request.json()
        chat = str(body["chat_id"])
        self._check(f"telegram:{chat}", TELEGRAM_CHAT, now)
        self._check("telegram:bot", TELEGRAM_BOT, now)
        await self._record(Call("telegram", chat, chat, str(body.get("text", "")), now))
        return web.json_response({"ok": True, "result": {"message_id": next(self._ids)}})

    async def _twilio(self, request: web.Request) -> web.Response:
        now = self.clock()
        form = await request.post()
        sender, to = str(form["From"]), str(form["To"])
        self._check(f"twilio:{sender}", TWILIO_NUMBER, now)
        await self._record(Call("twilio", sender, to, str(form.get("Body", "")), now))
        return web.json_response({"sid": f"SM{next(self._ids):032d}"}, status=201)

    async def _meta(self, request: web.Request) -> web.Response:
        now = self.clock()
        body = await request.json()
        phone_id, to = request.match_info["phone_id"], str(body["to"])
        self._check(f"meta:{phone_id}", META_NUMBER, now)
        text = str((body.get("text") or {}).get("body", "")) if isinstance(body.get("text"), dict) else ""
        await self._record(Call("meta", phone_id, to, text, now))
        return web.json_response({"messages": [{"id": f"wamid.{next(self._ids)}"}]})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def serve(fake: FakeProviders) -> tuple[web.AppRunner, str]:
    """Start the fake on a free port of 127.0.0.1; the runner (to clean up) and its base URL."""
    port = free_port()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"
