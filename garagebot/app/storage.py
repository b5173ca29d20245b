"""Media bytes in a local directory (the FileStorage port's default implementation).

Keys are relative paths made of safe segments (letters, digits, ``.``, ``_``,
``-``; no ``..``, no absolute paths, no backslashes), so a key can never point
outside the media directory. Writes go to a temporary file first and are
renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path

_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
MAX_KEY_LENGTH = 300  # MediaFile.storage_key


class LocalFileStorage:
    """Stores each key as a file under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path_for(self, key: str) -> Path:
        """The file of ``key``; ValueError when the key is not a safe relative path."""
        segments = key.split("/")
        if not key or len(key) > MAX_KEY_LENGTH or not all(_SEGMENT.match(s) for s in segments):
            raise ValueError(f"unsafe storage key {key!r}")
        path = self.root.joinpath(*segments).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"unsafe storage key {key!r}")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Write ``data`` under ``key`` (replacing what was there). The content type
        is kept in the MediaFile row, not here."""
        path = self.path_for(key)
        await asyncio.to_thread(self._write, path, data)

    async def get(self, key: str) -> bytes:
        """The bytes under ``key``; FileNotFoundError when nothing is stored there."""
        path = self.path_for(key)
        return await asyncio.to_thread(path.read_bytes)

    async def exists(self, key: str) -> bool:
        path = self.path_for(key)
        return await asyncio.to_thread(path.is_file)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
