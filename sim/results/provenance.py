"""Where a result came from: code version, git commit, package versions."""

from __future__ import annotations

import platform
import subprocess
from functools import lru_cache
from importlib import metadata

from sim.config.paths import REPO

PACKAGE = "shishi-grid-sim"


@lru_cache(maxsize=1)
def git_commit() -> str:
    """HEAD's commit, with ``-dirty`` if tracked files differ from it; "unknown" outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("mesa", "numpy", "networkx"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def provenance() -> dict:
    return {"package_version": package_version(), "git_commit": git_commit(), "versions": versions()}
