"""A real browser against the served page: Playwright driving Debian's chromium headless."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _need(condition: bool, message: str) -> None:
    if not condition:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server():
    _need(Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
          "no chromium: apt-get install -y chromium")
    from sim.page.assets import ensure_assets, missing

    if missing():
        try:
            ensure_assets()
        except RuntimeError as error:
            _need(False, f"the page's front-end files are missing and could not be fetched: {error}")
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-c", f"from sim.page.app import serve; serve(port={port})"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read()[-2000:]}")
            time.sleep(0.2)
        else:
            pytest.fail("server did not start within 60 s")
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_page_in_real_browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, timeout=60_000, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.set_default_timeout(30_000)
            started = time.perf_counter()
            page.goto(server, timeout=60_000)
            page.wait_for_selector("#grid-map", state="attached", timeout=60_000)
            print(f"first load {time.perf_counter() - started:.2f} s")
            grid_map = page.locator("#grid-map")
            chart = page.locator("#chart-case_flow")
            assert grid_map.get_attribute("data-day") == "0"
            workers_before = page.locator("#grid-map .worker").count()
            for symbol in ("cadre", "big-party", "pilot-zone", "centre"):  # Shishi's further systems on the map
                assert page.locator(f"#grid-map .{symbol}").count() > 0, symbol
            points_before = chart.get_attribute("data-points")
            field = page.get_by_role("textbox", name=re.compile(r"^workers_per_10k "))
            field.fill("30")
            field.press("Enter")
            page.get_by_role("button", name="Reset").click()
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
