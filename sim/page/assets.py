"""Front-end files the Solara page needs, fetched once from the npm registry into Solara's
asset cache, so the page loads with no internet access (no CDN at run time).

Solara's server serves ``/_solara/cdn/<package>@<version>/...`` from its proxy cache
folder (``solara.server.settings.assets.proxy_cache_dir``, or ``SOLARA_ASSETS_PROXY_CACHE_DIR``)
and only goes to the CDN for files missing there. ``ensure_assets()`` fills that folder
with ``npm pack`` (the ordinary npm client); run it once per machine:

    python -c "from sim.page.assets import ensure_assets; ensure_assets()"
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

# What solara 1.64's page template loads from the CDN (see solara/server/templates/solara.html.j2).
PACKAGES = ("@widgetti/solara-vuetify3-app@5.2.0", "requirejs@2.3.6", "font-awesome@4.5.0",
            "@widgetti/vue-grid-layout@2.3.13-alpha.2")  # the last: Mesa's draggable layout
# One file of each package that must be there for the page to start.
MARKERS = {"@widgetti/solara-vuetify3-app@5.2.0": "dist/solara-vuetify-app8.min.js",
           "requirejs@2.3.6": "require.js", "font-awesome@4.5.0": "css/font-awesome.min.css",
           "@widgetti/vue-grid-layout@2.3.13-alpha.2": "dist/vue-grid-layout.umd.js"}


def cache_dir() -> Path:
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def missing(folder: Path | None = None) -> list[str]:
    folder = folder or cache_dir()
    return [package for package in PACKAGES if not (folder / package / MARKERS[package]).is_file()]


def ensure_assets(folder: Path | None = None, timeout: float = 300.0) -> list[str]:
    """Fetch the missing packages with ``npm pack``; returns the ones fetched. Raises
    RuntimeError (saying what to install) if npm is not there or a fetch fails."""
    folder = folder or cache_dir()
    todo = missing(folder)
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed once to fetch {', '.join(todo)} (apt-get install -y npm)")
    folder.mkdir(parents=True, exist_ok=True)
    for package in todo:
        with tempfile.TemporaryDirectory() as tmp:
            done = subprocess.run([npm, "pack", package, "--silent", "--pack-destination", tmp], cwd=tmp,
                                  capture_output=True, text=True, timeout=timeout)
            tarballs = list(Path(tmp).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                raise RuntimeError(f"npm pack {package} failed: {done.stderr.strip()[-500:]}")
            target = folder / package
            with tarfile.open(tarballs[0]) as archive:
                archive.extractall(tmp, filter="data")
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / "package"), str(target))
    return todo


if __name__ == "__main__":
    fetched = ensure_assets()
    print(f"fetched {', '.join(fetched)} into {cache_dir()}" if fetched else f"assets already in {cache_dir()}")
