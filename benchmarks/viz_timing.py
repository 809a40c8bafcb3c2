"""Time the browser page: step + redraw (server side, solara.render) and first page load
(real chromium against the served page). Usage: python benchmarks/viz_timing.py [steps]"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def step_redraw(steps: int = 30) -> list[float]:
    import ipyvuetify as v
    import solara

    from sim.page.app import Page

    _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
    button = rc.find(v.Btn, children=["Step"]).widget
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        button.click()  # model.step() + re-render of map, charts and panel
        times.append(time.perf_counter() - t)
    return times


def browser_step_and_load(port: int = 8799, steps: int = 10) -> tuple[float, list[float]]:
    from playwright.sync_api import sync_playwright

    proc = subprocess.Popen([sys.executable, "-c", f"from sim.page.app import serve; serve(port={port})"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(4)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--headless", "--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            t = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/", timeout=60_000)
            page.wait_for_selector("#grid-map", state="attached", timeout=60_000)
            load = time.perf_counter() - t
            times = []
            for day in range(1, steps + 1):
                t = time.perf_counter()
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(f"document.querySelector('#grid-map').getAttribute('data-day') == '{day}'",
                                       timeout=30_000)
                times.append(time.perf_counter() - t)
            browser.close()
        return load, times
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    server = step_redraw(n)
    print(f"step+redraw (server side, scale 0.1): median {1000 * statistics.median(server):.0f} ms, "
          f"max {1000 * max(server):.0f} ms over {n} steps")
    load, clicks = browser_step_and_load()
    print(f"first page load (chromium, until the map is in the page): {load:.2f} s")
    print(f"step click -> map redrawn in the browser: median {1000 * statistics.median(clicks):.0f} ms, "
          f"max {1000 * max(clicks):.0f} ms over {len(clicks)} steps")
