"""Output folders that never cost a user a file.

Every folder this program writes holds a small marker file, ``.shishi-results`` (JSON: which
command wrote it, an identity of what it holds, and the files it wrote). Before anything runs,
``claim`` decides whether a folder may be written:

- absent, or an empty folder, or a folder holding only folders this program marked: yes;
- not a folder, or a folder with files and no marker: refused (``CliError``, exit 2) — it is
  the user's, and this program does not replace or add to it;
- marked by another command, or by the same command for a different run (another scenario,
  parameters, seed, settings): refused unless ``force``;
- a folder to be replaced whole (``run``, ``compare``) that holds files the marker does not
  list: refused even with ``force`` (someone else put them there);
- and it must be writable (a probe file is made and removed), so a run never finishes only to
  find it cannot write its results.

A sweep's folder is also locked while a sweep writes it (``FolderLock``: ``fcntl.flock`` on
``.shishi-lock``, which the kernel releases when the process ends, even by ``kill -9``).
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sim.config.errors import CliError

MARKER = ".shishi-results"
LOCK = ".shishi-lock"
WRITER = "shishi-grid-sim"
MAX_NAME = 80  # characters of a folder name made from a scenario or experiment name


def safe_name(name: str, fallback: str = "scenario") -> str:
    """A scenario's or experiment's ``name`` as one safe path component (letters, digits, ``._-``;
    no separators, no leading dot), so a default folder under ``results/`` stays under it."""
    cleaned = re.sub(r"[^\w.-]+", "_", str(name), flags=re.UNICODE).strip("._-")[:MAX_NAME].strip("._-")
    return cleaned or fallback


def identity(data) -> str:
    """A short stable hash of what a folder holds (scenario, parameters, seed, settings)."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Marker:
    """What wrote a folder: the command, the identity of its contents, a readable description
    and (for folders replaced whole) the files it wrote."""

    command: str
    identity: str
    describes: dict
    files: tuple[str, ...] = ()

    def to_json(self) -> dict:
        from sim.results.provenance import package_version

        return {"written_by": WRITER, "version": package_version(), "command": self.command,
                "identity": self.identity, "describes": self.describes, "files": list(self.files)}


def run_marker(scenario, seed: int) -> Marker:
    """What a run's results folder holds: the scenario, its full parameter set and the seed. Here,
    not beside the writer (sim.results.output), because ``run`` claims its folder before NumPy is
    imported: NumPy's threads would stop the figure helper from forking (sim.results.figure_process)."""
    params = scenario.params
    return Marker("run", identity({"scenario": scenario.name, "parameters": params.changed(), "seed": seed}),
                  {"scenario": scenario.name, "seed": seed, "days": params["days"], "scale": params["scale"]})


def read_marker(folder: Path) -> dict | None:
    """The marker of ``folder``, or None when it has none (or one this program did not write)."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != WRITER:
        return None
    return data


def write_marker(folder: Path, marker: Marker) -> None:
    from sim.results.files import atomic_write_json

    atomic_write_json(marker.to_json(), Path(folder) / MARKER)


def _describe(describes: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in describes.items())


def claim(out: Path, marker: Marker, *, force: bool = False, option: str = "--out", whole: bool = False) -> None:
    """Check, before any work, that ``out`` may receive what ``marker`` describes (see the module
    docstring); raise ``CliError`` naming ``option`` and the folder if not. ``whole``: the folder
    will be replaced whole (so every file in it must be one this program wrote there)."""
    out = Path(out)
    try:
        exists, is_dir = out.exists(), out.is_dir()
        entries = sorted(p.name for p in out.iterdir()) if is_dir else []
    except OSError as error:
        raise CliError(f"{option}: {out}: cannot read ({error.strerror or error})") from None
    if exists and not is_dir:
        raise CliError(f"{option}: {out} exists and is not a folder")
    if _is_symlink_loop(out):
        raise CliError(f"{option}: {out} is a loop of symbolic links")
    visible = [name for name in entries if name not in (MARKER, LOCK)]
    if visible:
        found = read_marker(out)
        if found is None and all(read_marker(out / name) is not None for name in visible):
            check_writable(out, option)  # a folder of this program's folders (results/, results/policy/)
            return
        if found is None:
            raise CliError(f"{option}: {out} is a folder this program did not write (it has {len(visible)} "
                           f"entries and no {MARKER} marker); choose a new or empty folder")
        if found.get("command") != marker.command:
            raise CliError(f"{option}: {out} holds the results of `{found.get('command')}`, not "
                           f"`{marker.command}`; choose another folder")
        if found.get("identity") != marker.identity and not force:
            raise CliError(f"{option}: {out} holds the results of another {marker.command} "
                           f"({_describe(found.get('describes', {}))}); use --force to replace them, "
                           "or choose another folder")
        if whole:
            foreign = [name for name in visible if name not in set(found.get("files", []))]
            if foreign:
                raise CliError(f"{option}: {out} holds files this program did not write there "
                               f"({', '.join(foreign[:3])}{' …' if len(foreign) > 3 else ''}); move them "
                               "or choose another folder")
    check_writable(out, option)


def _is_symlink_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def check_writable(out: Path, option: str = "--out") -> None:
    """Refuse a folder that cannot be written (or made), before anything runs: a probe folder is
    made in it (or in its nearest existing parent) and removed."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CliError(f"{option}: {out} exists and is not a folder")
    if _is_symlink_loop(out):
        raise CliError(f"{option}: {out} is a loop of symbolic links")
    try:
        target = out.resolve()
    except (OSError, RuntimeError) as error:
        raise CliError(f"{option}: {out}: cannot resolve ({error})") from None
    while not target.exists():
        if target.parent == target:
            break
        target = target.parent
    if not target.is_dir():
        raise CliError(f"{option}: cannot write under {target} (not a folder)")
    try:
        probe = tempfile.mkdtemp(prefix=".write-check-", dir=target)
    except OSError as error:
        raise CliError(f"{option}: cannot write under {target} ({error.strerror or error})") from None
    os.rmdir(probe)


class FolderLock:
    """An exclusive lock on an output folder while one process writes it (``fcntl.flock`` on
    ``OUT/.shishi-lock``; released on exit, crash or ``kill -9``). A second writer is refused
    with a ``CliError`` naming the folder and the process holding it."""

    def __init__(self, folder: Path, option: str = "--out"):
        self.folder, self.option = Path(folder), option
        self.handle = None

    def __enter__(self) -> FolderLock:
        path = self.folder / LOCK
        handle = open(path, "a+", encoding="utf-8")  # held open until __exit__
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise CliError(f"{self.option}: {self.folder} is being written by another process"
                               + (f" ({holder})" if holder else "") + "; wait for it to finish or choose another "
                               "folder") from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {os.uname().nodename}\n")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self.handle is not None:
            self.handle.close()  # closing the file releases the lock
            self.handle = None


def mark(folder: Path, marker: Marker, *, option: str = "--out") -> Path:
    """Claim ``folder`` for ``marker`` (inside a folder already claimed: another run's results
    there are replaced, a folder this program did not write is still refused), make it, mark it."""
    claim(folder, marker, force=True, option=option)
    Path(folder).mkdir(parents=True, exist_ok=True)
    write_marker(folder, marker)
    return Path(folder)
