"""Time the browser page in Chromium (Playwright driving Debian's chromium, headless): the first
load (navigation until the map is drawn) and a step redrawn (the Step click until the map and
every chart show the new day), at the page's default scale (0.1), and the same in compare mode.

    python benchmarks/page.py [steps] [--screenshots DIR]

Targets (issue 19): first load ≤ 3 s, a step redrawn ≤ 250 ms. The server runs here
(``run.py viz`` on a free port); nothing is fetched from other machines.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]
CHARTS = ("open_by_level", "case_flow", "resolved_share", "satisfaction", "utilisation")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "viz", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc
        time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the page's server did not start within 60 s")


def wait_day(page, day: int, timeout: float = 30_000) -> None:
    """Until the map and every chart show ``day`` (each widget's update is its own message)."""
    charts = " && ".join(f"document.querySelector('#chart-{c}')?.getAttribute('data-points') == '{day}'"
                         for c in CHARTS)
    page.wait_for_function(f"document.querySelector('#grid-map')?.getAttribute('data-day') == '{day}' && {charts}",
                           timeout=timeout, polling="raf")


def step_times(page, steps: int, first_day: int = 0) -> list[float]:
    times = []
    button = page.get_by_role("button", name="Step", exact=True)
    for k in range(1, steps + 1):
        t = time.perf_counter()
        button.click()
        wait_day(page, first_day + k)
        times.append(time.perf_counter() - t)
    return times


def measure(steps: int = 20, screenshots: Path | None = None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_server(port)
    out: dict[str, object] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            url = f"http://127.0.0.1:{port}/"
            page.goto(url, timeout=60_000)  # a first visit warms the server (imports, first model)
            page.wait_for_selector("#grid-map", state="attached", timeout=60_000)
            loads = []
            for _ in range(3):
                page2 = browser.new_page(viewport={"width": 1600, "height": 1000})
                t = time.perf_counter()
                page2.goto(url, timeout=60_000)
                page2.wait_for_selector("#grid-map", state="attached", timeout=60_000)
                loads.append(time.perf_counter() - t)
                page2.close()
            out["load"] = loads
            out["step"] = step_times(page, steps)
            if screenshots is not None:
                page.screenshot(path=str(screenshots / "page_default.png"), full_page=False)
            page.get_by_text("Compare two settings").click()
            wait_day(page, 0)
            out["step_compare"] = step_times(page, steps)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return out


def report(times: dict[str, object]) -> None:
    load = times["load"]
    print(f"first load (chromium, navigation until the map is drawn): median {statistics.median(load):.2f} s, "
          f"max {max(load):.2f} s over {len(load)} loads (target ≤ 3 s)")
    for key, what in (("step", "a step redrawn (Step click until map and charts show the day)"),
                      ("step_compare", "the same in compare mode (two models, charts with differences)")):
        values = [1000 * t for t in times[key]]
        print(f"{what}: median {statistics.median(values):.0f} ms, p90 {sorted(values)[int(0.9 * len(values)) - 1]:.0f}"
              f" ms, max {max(values):.0f} ms over {len(values)} steps (target ≤ 250 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="?", type=int, default=20)
    parser.add_argument("--screenshots", type=Path, default=None)
    args = parser.parse_args()
    report(measure(args.steps, args.screenshots))
