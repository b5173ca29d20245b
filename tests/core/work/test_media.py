"""Attaching photos, documents, voice notes and signatures through the storage port."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from garagebot.core.actor import Actor
from garagebot.core.errors import InvalidInput, NotFound, PermissionDenied
from garagebot.core.models import MediaFile
from garagebot.core.uow import Database
from garagebot.core.work.media import MAX_MEDIA_BYTES, attach_media
from garagebot.core.work.timers import start_step
from tests.conftest import Staff, make_staff, new_garage
from tests.core.work.helpers import audit_actions, count_rows, make_card, outbox_topics, simple_steps
from tests.fakes import FakeClock, MemoryFileStorage

JPEG = b"\xff\xd8\xff\xe0" + b"brake disc" * 10


async def test_a_step_photo_is_stored_under_a_content_address_with_its_metadata(
    db: Database, staff: Staff, storage: MemoryFileStorage, clock: FakeClock
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    async with db.unit_of_work(staff.tech) as uow:
        await start_step(uow, card.step_ids[0])
        media_id = await attach_media(
            uow, storage, step_id=card.step_ids[0], kind="photo",
            content_type="image/jpeg; charset=binary", data=JPEG, caption=" Worn disc ",
            client_visible=True,
        )
    digest = hashlib.sha256(JPEG).hexdigest()
    key = f"{staff.org}/2026/11/{digest}"
    assert storage.files == {key: (JPEG, "image/jpeg")}
    async with db.read() as s:
        media = await s.get(MediaFile, media_id)
    assert media is not None
    assert (media.step_id, media.session_id, media.kind, media.content_type, media.storage_key,
            media.size_bytes, media.sha256, media.caption, media.client_visible,
            media.uploaded_by_user_id, media.created_at) == (
        card.step_ids[0], card.session_id, "photo", "image/jpeg", key, len(JPEG), digest,
        "Worn disc", True, staff.id(staff.tech), clock.now())
    assert await audit_actions(db, staff.org, "media_file", media_id) == ["attach"]
    assert "media.attached" in await outbox_topics(db, staff.org)


async def test_advisors_attach_documents_to_a_session(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    async with db.unit_of_work(staff.advisor) as uow:
        media_id = await attach_media(uow, storage, session_id=card.session_id, kind="document",
                                      content_type="application/pdf", data=b"%PDF-1.7 ...")
    async with db.unit_of_work(Actor.system(staff.org)) as uow:
        await attach_media(uow, storage, session_id=card.session_id, kind="signature",
                           content_type="image/png", data=b"\x89PNG sig")
    async with db.read() as s:
        rows = (await s.scalars(select(MediaFile).where(MediaFile.organization_id == staff.org)
                                .order_by(MediaFile.id))).all()
    assert [(m.id == media_id, m.step_id, m.session_id, m.uploaded_by_user_id) for m in rows] == [
        (True, None, card.session_id, staff.id(staff.advisor)),
        (False, None, card.session_id, None)]


@pytest.mark.parametrize(
    ("kind", "content_type", "data", "key"),
    [
        ("photo", "image/jpeg", b"", "error.media_empty"),
        ("photo", "image/jpeg", b"x" * (MAX_MEDIA_BYTES + 1), "error.media_too_large"),
        ("hologram", "video/mp4", b"x", "error.media_kind_unknown"),
        ("photo", "image/svg+xml", b"<svg/>", "error.media_type_not_allowed"),
        ("voice", "image/png", b"x", "error.media_type_not_allowed"),
        ("document", "text/html", b"<script>", "error.media_type_not_allowed"),
    ],
)
async def test_bad_files_are_refused_before_anything_is_stored(
    db: Database, staff: Staff, storage: MemoryFileStorage, kind: str, content_type: str,
    data: bytes, key: str,
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    with pytest.raises(InvalidInput) as err:
        async with db.unit_of_work(staff.advisor) as uow:
            await attach_media(uow, storage, session_id=card.session_id, kind=kind,
                               content_type=content_type, data=data)
    assert err.value.key == key
    assert storage.files == {}
    assert await count_rows(db, MediaFile, staff.org) == 0


async def test_a_file_needs_a_target_of_this_garage_and_a_worker_of_the_step(
    db: Database, staff: Staff, storage: MemoryFileStorage
) -> None:
    card = await make_card(db, staff.lead, simple_steps(1))
    other = await make_staff(db, await new_garage(db))
    with pytest.raises(InvalidInput) as nowhere:
        async with db.unit_of_work(staff.tech) as uow:
            await attach_media(uow, storage, kind="photo", content_type="image/jpeg", data=JPEG)
    assert nowhere.value.key == "error.media_target_required"
    with pytest.raises(NotFound):
        async with db.unit_of_work(other.tech) as uow:
            await attach_media(uow, storage, step_id=card.step_ids[0], kind="photo",
                               content_type="image/jpeg", data=JPEG)
    with pytest.raises(NotFound):
        async with db.unit_of_work(other.advisor) as uow:
            await attach_media(uow, storage, session_id=card.session_id, kind="photo",
                               content_type="image/jpeg", data=JPEG)
    with pytest.raises(PermissionDenied):
        async with db.unit_of_work(staff.accountant) as uow:
            await attach_media(uow, storage, step_id=card.step_ids[0], kind="photo",
                               content_type="image/jpeg", data=JPEG)
    assert storage.files == {}
    assert await count_rows(db, MediaFile, staff.org) == 0
