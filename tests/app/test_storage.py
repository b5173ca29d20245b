"""Local media storage: round trips, replacement, and keys that cannot escape the directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from garagebot.app.storage import LocalFileStorage


async def test_stored_bytes_come_back_and_a_second_put_replaces_them(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path / "media")
    key = "org-7/session-12/photo_1.jpg"
    await storage.put(key, b"\xff\xd8first", "image/jpeg")
    assert await storage.get(key) == b"\xff\xd8first"
    await storage.put(key, b"second", "image/jpeg")
    assert await storage.get(key) == b"second"
    assert (tmp_path / "media" / "org-7" / "session-12" / "photo_1.jpg").read_bytes() == b"second"
    assert await storage.exists(key)
    assert [p.name for p in (tmp_path / "media" / "org-7" / "session-12").iterdir()] == ["photo_1.jpg"]


async def test_a_missing_key_raises_file_not_found(tmp_path: Path) -> None:
    storage = LocalFileStorage(tmp_path)
    assert not await storage.exists("nothing-here.png")
    with pytest.raises(FileNotFoundError):
        await storage.get("nothing-here.png")


@pytest.mark.parametrize(
    "key",
    ["", "../secret", "a/../../secret", "/etc/passwd", "a//b", "a/./b", ".hidden", "a\\b",
     "a/b/", "x" * 301, "photo 1.jpg", "a/..", "..", "ملف.jpg"],
)
async def test_an_unsafe_key_is_refused_before_touching_the_disk(tmp_path: Path, key: str) -> None:
    storage = LocalFileStorage(tmp_path / "media")
    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.get(key)
    assert not (tmp_path / "media").exists()
    assert not (tmp_path / "secret").exists()


async def test_a_symlink_cannot_lead_a_key_outside_the_directory(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    (root / "link").symlink_to(tmp_path / "outside")
    storage = LocalFileStorage(root)
    with pytest.raises(ValueError, match="unsafe storage key"):
        await storage.put("link/stolen.txt", b"x", "text/plain")
    assert list((tmp_path / "outside").iterdir()) == []
