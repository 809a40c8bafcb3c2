"""The page to present from (issue 19), in a real browser: Playwright driving Debian's chromium
headless against ``run.py viz`` (tests/pageserver.py). Grouped controls with plain labels and
units (a slider restarts the model with its value), compare mode (two settings on the same seed,
differences on the charts), and the experiment panel (a 3-point experiment run in the background,
its curve with intervals, its table as CSV). Screenshots go to tests/artifacts/ (git-ignored); to
refresh the README's, set SHISHI_SCREENSHOTS=docs/img.

Without chromium the tests are skipped, loudly (conftest.py); with CI=true they fail instead."""

from __future__ import annotations

import csv
import io
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pageserver import served
from test_browser import CHROMIUM, require_browser

ROOT = Path(__file__).resolve().parent.parent
# tests never write tracked files: screenshots land in the ignored artifacts folder unless asked
SHOTS = ROOT / os.environ.get("SHISHI_SCREENSHOTS", "tests/artifacts/screenshots")
CHARTS = ("open_by_level", "case_flow", "resolved_share", "satisfaction", "utilisation")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    log = tmp_path_factory.mktemp("page") / "server.log"
    with served(log=log) as (port, recorder):
        yield f"http://127.0.0.1:{port}/", recorder, log
    assert recorder.requests == [], f"the server tried to reach other machines: {recorder.requests}"
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, timeout=60_000, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(server, browser):
    """A fresh session on the page (its own models), watched for requests off the machine and
    for console errors."""
    url = server[0]
    problems: list[str] = []
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.on("request", lambda request: urlsplit(request.url).hostname not in ("127.0.0.1", None)
            and not request.url.startswith(("data:", "blob:")) and problems.append(f"off the machine: {request.url}"))
    page.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.set_default_timeout(30_000)
    started = time.perf_counter()
    page.goto(url, timeout=60_000)
    page.wait_for_selector("#grid-map", state="attached", timeout=60_000)
    print(f"first load {time.perf_counter() - started:.2f} s")
    yield page
    page.close()
    assert problems == [], problems


def wait_day(page, day: int) -> None:
    charts = " && ".join(f"document.querySelector('#chart-{c}')?.getAttribute('data-points') == '{day}'"
                         for c in CHARTS)
    page.wait_for_function(f"document.querySelector('#grid-map')?.getAttribute('data-day') == '{day}' && {charts}")


def shot(page, name: str, height: int = 2400) -> None:
    """A screenshot of the page in a tall window (the page scrolls inside Solara's layout, so a
    full-page screenshot would stop at the window's height)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1600, "height": height})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / name))
    page.set_viewport_size({"width": 1600, "height": 1000})


def header(page) -> str:
    return page.locator(".run-summary").inner_text()


def slider_thumb(page, name: str):
    return page.locator(f".control-{name} [role=slider]").first


def test_grouped_controls_with_units_and_a_slider_changes_the_model(page):
    text = page.locator("body").inner_text()
    for group in ("Staffing", "Escalation and dispatch", "Mediation", "The further systems", "The world"):
        assert page.get_by_role("button", name=re.compile(group)).count() == 1, group
    for label in ("Full-time grid workers: 18 per 10,000 urban residents", "Part-time grid workers: 14.6 per 10,000",
                  "Household visits: 0.25 per household per week", "Volunteers: 73.8 per 10,000 residents"):
        assert label in text, label
    for mesa_control in ("Play Interval", "Render Interval", "Use Threads", "workers_per_10k"):
        assert mesa_control not in text, mesa_control  # no Mesa internals, no raw identifiers
    assert "18 full-time" in header(page) and "seed 1" in header(page) and "scale 0.1" in header(page)
    workers = page.locator("#grid-map .worker").count()
    # the slider, by keyboard: End sets its maximum (60); the model restarts with it
    slider_thumb(page, "workers_per_10k").focus()
    page.keyboard.press("End")
    page.wait_for_function("document.querySelector('.run-summary').innerText.includes('60 full-time')")
    assert "Full-time grid workers: 60 per 10,000 urban residents" in page.locator("body").inner_text()
    assert "changed from the scenario file: Full-time grid workers: 18 → 60" in header(page)
    page.wait_for_function(f"document.querySelectorAll('#grid-map .worker').length > {workers}")  # the map redrawn
    assert page.locator("#grid-map").get_attribute("data-day") == "0"
    # a closed group opens; its selects name their choices in words
    page.get_by_role("button", name=re.compile("Escalation and dispatch")).click()
    page.get_by_text("Escalation rule: Shishi: grade and assign").wait_for()
    # run a month, look at one town up close, colour the towns by an outcome
    page.get_by_role("button", name="+30 days").click()
    wait_day(page, 30)
    ticks = page.locator("#chart-satisfaction").get_attribute("data-yticks")
    assert ticks == "0%,20%,40%,60%,80%,100%"
    assert page.locator("#chart-case_flow").get_attribute("data-xticks") == "0,10,20,30"
    assert page.locator("#town-table tbody tr").count() == 9
    shot(page, "page_default.png")


def test_compare_mode_shows_two_settings_on_the_same_seed_and_their_difference(page):
    page.get_by_text("Compare two settings").click()
    page.wait_for_function("document.querySelector('.run-summary').innerText.includes('B differs from A in')")
    slider_thumb(page, "workers_per_10k").focus()  # the controls now set B
    page.keyboard.press("Home")  # no full-time grid workers in B
    page.wait_for_function(
        "document.querySelector('.run-summary').innerText.includes('Full-time grid workers: 18 → 0')")
    assert "Setting A" in header(page) and "Setting B" in header(page)
    page.get_by_role("button", name="+30 days").click()
    wait_day(page, 30)
    chart = page.locator("#chart-case_flow")
    assert chart.get_attribute("data-compare") == "true"
    assert page.locator("#chart-case_flow .difference").count() == 1
    last_a = dict(item.split("=") for item in chart.get_attribute("data-last").split(";"))
    last_b = dict(item.split("=") for item in chart.get_attribute("data-last-b").split(";"))
    assert last_a["arisen"] == last_b["arisen"]  # common random numbers: the same disputes arise
    assert "B − A" in page.locator("#town-table").inner_text()
    shot(page, "page_compare.png")


def test_experiment_panel_runs_three_points_and_shows_the_curve(page):
    page.get_by_role("button", name="Experiment", exact=True).click()
    values = page.get_by_label("Values (2 to 5, separated by commas)")
    assert values.input_value() == "6, 18, 30"  # three points over the plausible range
    page.get_by_role("button", name=re.compile(r"Run the experiment \(6 runs\)")).click()
    page.locator(".experiment-progress").first.wait_for(timeout=30_000)  # progress while it runs
    page.wait_for_selector("#experiment-curve", timeout=180_000)
    curve = page.locator("#experiment-curve")
    assert curve.get_attribute("data-points") == "3"
    assert page.locator("#experiment-curve .point").count() == 3
    assert page.locator("#experiment-curve .interval").count() == 3  # two replications: a 95% interval each
    assert page.locator("#experiment-table tbody tr").count() == 3
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("Runs \\(CSV\\)")).click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 6 and {row["workers_per_10k"] for row in rows} == {"6.0", "18.0", "30.0"}
    assert {row["seed"] for row in rows} == {"1", "2"} and all(row["status"] == "ok" for row in rows)
    shot(page, "page_experiment.png")
