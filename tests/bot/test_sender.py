"""The Telegram transport against the fake Bot API: splitting, keyboards,
edits, media, and Telegram's refusals as the dispatcher's send errors."""

from __future__ import annotations

import pytest

from garagebot.bot.api import TelegramApi
from garagebot.bot.limits import RateLimiter
from garagebot.bot.sender import TelegramTransport
from garagebot.core.enums import Channel
from garagebot.core.ports import OutboundMessage, PermanentSendError, TransientSendError
from tests.bot.fake_api import FakeBotApi

CHAT = 555000111


class MemoryStorage:
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = data

    async def get(self, key: str) -> bytes:
        return self.files[key]


class NoWait:
    """A clock that moves when the limiter sleeps (``advance``) or when the test
    says; sleeping records the wait and returns at once."""

    def __init__(self, *, advance: bool = True) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.advance = advance

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.advance:
            self.now += seconds


def message(text: str, recipient: str = str(CHAT), choices: tuple[tuple[str, str], ...] = (),
            media: tuple[str, ...] = ()) -> OutboundMessage:
    return OutboundMessage(outbox_id=1, organization_id=1, channel=Channel.TELEGRAM, recipient=recipient,
                           locale="en", text=text, choices=choices, media_keys=media)


@pytest.fixture
def time() -> NoWait:
    return NoWait()


@pytest.fixture
def transport(api: TelegramApi, time: NoWait) -> TelegramTransport:
    limiter = RateLimiter(clock=time.clock, sleep=time.sleep)
    return TelegramTransport(api, limiter, MemoryStorage({"media/1/step-7.jpg": b"\xff\xd8photo"}))


async def test_a_long_text_is_split_below_the_limit_with_the_buttons_on_the_last_piece(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]
    text = "\n\n".join(f"Line {i}: " + "x" * 90 for i in range(90))

    result = await transport.send(message(text, choices=(("g:menu", "Menu"),)))

    calls = fake.to_chat(CHAT)
    assert len(calls) == 3
    assert all(len(str(c.payload["text"])) < 4096 for c in calls)
    assert "\n\n".join(str(c.payload["text"]) for c in calls) == text
    assert [("reply_markup" in c.payload) for c in calls] == [False, False, True]
    assert result.provider_message_id == f"{CHAT}:1002"


async def test_callback_data_over_64_bytes_is_refused_for_good(transport: TelegramTransport) -> None:
    with pytest.raises(PermanentSendError, match="callback data"):
        await transport.send(message("pick", choices=(("x" * 65, "Too long"),)))


async def test_an_edit_changes_the_message_in_place(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]

    result = await transport.send(message("Timer 00:05", recipient=f"edit:{CHAT}:77",
                                          choices=(("timer:stop", "Stop"),)))

    [edit] = fake.to_chat(CHAT, "editMessageText")
    assert edit.payload["message_id"] == 77
    assert edit.payload["text"] == "Timer 00:05"
    assert fake.to_chat(CHAT) == []
    assert result.provider_message_id == f"{CHAT}:77"


async def test_an_unchanged_edit_counts_as_sent(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]
    fake.refuse("editMessageText", 400, "Bad Request: message is not modified")

    result = await transport.send(message("Timer 00:05", recipient=f"edit:{CHAT}:77"))

    assert result.provider_message_id == f"{CHAT}:77"
    assert fake.to_chat(CHAT) == []


async def test_a_message_that_cannot_be_edited_is_sent_anew(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]
    fake.refuse("editMessageText", 400, "Bad Request: message to edit not found")

    result = await transport.send(message("Timer 00:06", recipient=f"edit:{CHAT}:77"))

    assert fake.texts(CHAT) == ["Timer 00:06"]
    assert result.provider_message_id == f"{CHAT}:1000"


async def test_a_429_is_a_transient_error_carrying_retry_after_and_pauses_the_chat(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str], time: NoWait
) -> None:
    fake = fake_api[0]
    fake.refuse("sendMessage", 429, "Too Many Requests: retry after 30", retry_after=30)

    with pytest.raises(TransientSendError) as busy:
        await transport.send(message("hello"))
    assert busy.value.retry_after_seconds == 30

    with pytest.raises(TransientSendError) as still:
        await transport.send(message("hello again"))
    assert still.value.retry_after_seconds == pytest.approx(30)
    assert len(fake.to_chat(CHAT)) == 1  # the paused chat was not called again
    time.now += 31
    await transport.send(message("hello at last"))
    assert fake.texts(CHAT)[-1] == "hello at last"


async def test_a_blocked_bot_is_a_permanent_failure_and_a_server_error_a_transient_one(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]
    fake.refuse("sendMessage", 403, "Forbidden: bot was blocked by the user")
    with pytest.raises(PermanentSendError):
        await transport.send(message("hello"))
    fake.refuse("sendMessage", 502, "Bad Gateway")
    with pytest.raises(TransientSendError):
        await transport.send(message("hello"))


async def test_an_unreachable_api_is_a_transient_error(time: NoWait) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        dead = TelegramApi(session, "1:x", "http://127.0.0.1:1")
        transport = TelegramTransport(dead, RateLimiter(clock=time.clock, sleep=time.sleep))
        with pytest.raises(TransientSendError):
            await transport.send(message("hello"))


async def test_media_is_uploaded_before_the_text(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str]
) -> None:
    fake = fake_api[0]

    await transport.send(message("Photo of step 7", media=("media/1/step-7.jpg",)))

    [photo] = fake.of("sendPhoto")
    assert photo.payload["chat_id"] == str(CHAT)
    assert photo.files == {"photo": b"\xff\xd8photo"}
    assert fake.texts(CHAT) == ["Photo of step 7"]
    assert [c.method for c in fake.calls] == ["sendPhoto", "sendMessage"]


async def test_messages_to_one_chat_are_paced(
    transport: TelegramTransport, fake_api: tuple[FakeBotApi, str], time: NoWait
) -> None:
    for i in range(5):
        await transport.send(message(f"m{i}"))

    assert fake_api[0].texts(CHAT) == [f"m{i}" for i in range(5)]
    assert time.slept == [pytest.approx(1.0), pytest.approx(1.0)]  # a burst of 3, then 1/s
