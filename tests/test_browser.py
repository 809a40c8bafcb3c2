"""A real browser against the served page: Playwright driving Debian's chromium headless (or the
browser the CHROMIUM variable names). Without one the test is skipped, loudly (conftest.py); with
CI=true it fails instead."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pageserver import served

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"  # Debian's package
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _need(condition: bool, message: str) -> None:
    """Skip when something the browser test needs is missing (conftest.py says so loudly at the
    end of the run); under CI=true, fail instead: CI must test the page in a real browser."""
    if not condition:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def require_browser() -> None:
    """What a browser test needs: Debian's chromium and the page's front-end files (fetched if missing)."""
    _need(Path(CHROMIUM).exists(), "no chromium: apt-get install -y chromium (Debian's package; see the README)")
    from sim.page.assets import ensure_assets, missing

    if missing():
        try:
            ensure_assets()
        except RuntimeError as error:
            _need(False, f"the page's front-end files are missing and could not be fetched: {error}")


@pytest.fixture
def server(tmp_path):
    require_browser()
    log = tmp_path / "server.log"
    with served(log=log) as (port, recorder):
        yield f"http://127.0.0.1:{port}/", recorder, log


def test_page_in_real_browser(server):
    from playwright.sync_api import sync_playwright

    url, recorder, log = server
    problems: list[str] = []  # anything but a clean console and local, successful requests

    def on_request(request):
        if urlsplit(request.url).hostname not in ("127.0.0.1", None) and not request.url.startswith("data:"):
            problems.append(f"request off the machine: {request.url}")

    def on_console(message):
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, timeout=60_000, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("request", on_request)
            page.on("requestfailed", lambda request: problems.append(f"failed: {request.url} {request.failure}"))
            page.on("response", lambda response: response.status >= 400 and problems.append(
                f"HTTP {response.status}: {response.url}"))
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.set_default_timeout(30_000)
            started = time.perf_counter()
            page.goto(url, timeout=60_000)
            page.wait_for_selector("#grid-map", state="attached", timeout=60_000)
            print(f"first load {time.perf_counter() - started:.2f} s")
            grid_map = page.locator("#grid-map")
            chart = page.locator("#chart-case_flow")
            assert grid_map.get_attribute("data-day") == "0"
            workers_before = page.locator("#grid-map .worker").count()
            for symbol in ("cadre", "big-party", "pilot-zone", "centre"):  # Shishi's further systems on the map
                assert page.locator(f"#grid-map .{symbol}").count() > 0, symbol
            points_before = chart.get_attribute("data-points")
            page.locator(".control-workers_per_10k [role=slider]").first.focus()
            page.keyboard.press("End")  # the slider's maximum; the model restarts with it
            page.wait_for_function(
                f"document.querySelectorAll('#grid-map .worker').length != {workers_before}", timeout=30_000)
            for day in (1, 2, 3):
                page.get_by_role("button", name="Step").click()
                page.wait_for_function(
                    f"document.querySelector('#grid-map').getAttribute('data-day') == '{day}'", timeout=30_000)
            assert page.locator("#grid-map .worker").count() > workers_before
            # each widget's update is its own message: wait for the chart as for the map
            page.wait_for_function(
                "document.querySelector('#chart-case_flow').getAttribute('data-points') == '3'", timeout=30_000)
            assert chart.get_attribute("data-points") == "3" != points_before
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            shot = ARTIFACTS / "viz_page.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
        finally:
            browser.close()
    assert problems == [], problems
    assert recorder.requests == [], f"the server tried to reach other machines: {recorder.requests}"
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
