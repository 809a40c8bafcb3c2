"""Files written whole or not at all: each goes to a temporary name in its folder, is flushed to
disk, and is moved into place with ``os.replace``, so a reader (or a resumed run) never sees half a
file, whatever stops the writer (Ctrl-C, ``kill -9``, a full disk)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)  # our own half-written file (e.g. the disk is full)
        raise
    os.replace(tmp, path)


def atomic_write_csv(frame, path: Path) -> None:
    """A pandas DataFrame as CSV, without its index."""
    atomic_write_bytes(path, frame.to_csv(index=False).encode("utf-8"))


def atomic_write_json(data: dict, path: Path) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n").encode("utf-8"))
