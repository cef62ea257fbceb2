"""matrix/index.html in a real browser: the tables, filters, details and the platform picker.

The tests drive a real headless Chromium through Selenium (Debian: ``apt-get install chromium
chromium-driver``; Python: the ``selenium`` package). They skip, saying what is missing, when
either is absent; ``$MATRIX_CHROMIUM`` / ``$MATRIX_CHROMEDRIVER`` point them at other binaries,
and ``$MATRIX_HTML_SCREENSHOT`` names a directory that keeps a copy of the screenshots they take
(they are always written under the test's ``tmp_path`` too).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Tuple

import pngcheck
import pytest

from matrix import cases, expectations, render, statements, store, tables, why
from matrix.rows import PATTERN_IDS, ROW_IDS
from matrix.views import page, page_data

if TYPE_CHECKING:
    from collections.abc import Iterator

    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1000",
)


def _binary(env: str, names: Tuple[str, ...], package: str) -> str:
    override = os.environ.get(env)
    if override:
        if not Path(override).is_file():
            pytest.skip(f"${env}={override} is not a file")
        return override
    path = next((p for p in map(shutil.which, names) if p), None)
    if path is None:
        pytest.skip(f"no {' / '.join(names)} on PATH and ${env} unset (Debian: apt-get install {package})")
    return path


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    chromium = _binary("MATRIX_CHROMIUM", ("chromium", "chromium-browser", "google-chrome"), "chromium")
    chromedriver = _binary("MATRIX_CHROMEDRIVER", ("chromedriver",), "chromium-driver")
    pytest.importorskip("selenium", reason="selenium is not installed (pip install selenium)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for JS errors
    with tempfile.TemporaryDirectory(prefix="matrix-html-chromium-") as profile:
        for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        # An explicit driver path: Selenium Manager never downloads anything.
        drv = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        try:
            drv.set_page_load_timeout(10)
            drv.get(page.INDEX_HTML.resolve().as_uri())
            yield drv
        finally:
            drv.quit()


def _keep(png: bytes, path: Path) -> None:
    """Write the screenshot under tmp_path (the artifact), and a copy where the environment says."""
    path.write_bytes(png)
    keep = os.environ.get("MATRIX_HTML_SCREENSHOT")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(keep) / path.name)


def _count(driver: WebDriver, selector: str) -> int:
    """Elements matching ``selector`` that are rendered (not display:none, nor inside one)."""
    script = (
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".filter(e => e.offsetParent !== null).length;"
    )
    n: int = driver.execute_script(script, selector)
    return n


def _click(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', inline: 'center'});", element)
    element.click()


def _set_all(driver: WebDriver, kind: str, on: bool) -> None:
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.CSS_SELECTOR, f'button[data-set="{kind}"][data-to="{int(on)}"]')
    _click(driver, button)


def _reset(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    _click(driver, driver.find_element(By.ID, "reset"))


def _columns() -> List[page_data.Column]:
    return [c for c in page_data.columns(store.load_all()) if c.kind != "failed"]


def test_browser_loads_without_errors(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    html = driver.find_element(By.TAG_NAME, "html")
    # both scripts ran to their end (a syntax or run-time error would stop one before)
    assert html.get_attribute("data-tables") == "1"
    assert html.get_attribute("data-ranges") == "1"
    assert html.get_attribute("data-ready") == "1"
    # the console (goog:loggingPrefs above): an uncaught exception is logged as SEVERE
    from selenium.webdriver.remote.command import Command

    log: List[Dict[str, str]] = driver.execute(Command.GET_LOG, {"type": "browser"})["value"]
    errors = [e for e in log if e["level"] == "SEVERE"]
    assert errors == []


def test_browser_shows_the_tables(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    cols = _columns()
    assert driver.title == page.TITLE
    assert _count(driver, "table.m") == len(ROW_IDS)
    assert _count(driver, "tr.row") == len(cases.every_cell())
    assert _count(driver, "table.m thead th.col") == len(ROW_IDS) * len(cols)
    assert _count(driver, "button.cb") == len(cases.every_cell()) * len(cols)
    assert _count(driver, "#facts tbody tr") == len(page_data.columns(store.load_all()))
    status = driver.find_element(By.ID, "filter-status")
    assert status.get_attribute("data-rows") == str(len(cases.every_cell()))
    assert status.text.startswith(f"Showing {len(cols)} of {len(cols)} platforms")
    assert driver.find_element(By.ID, "details").is_displayed() is False


def test_browser_cells_say_what_the_records_say(driver: WebDriver) -> None:
    """Successor of the per-cell title test: the hover text the script builds for every measured
    cell carries its outcome, message and warnings, and an expected cell its citation."""
    script = (
        "return Object.fromEntries(Array.from(document.querySelectorAll('button.cb'))"
        ".map(b => [b.getAttribute('data-cell'), [b.title, b.parentNode.className]]));"
    )
    shown: Dict[str, List[str]] = driver.execute_script(script)
    cols = _columns()
    assert len(shown) == len(cases.every_cell()) * len(cols)
    for c in cols:
        for rec in c.results.records if c.results is not None else []:
            title, css = shown[f"{rec.pattern}/{rec.variant}/{rec.start_method}/{c.id}"]
            assert f"measured: {rec.outcome}" in title
            assert f"o-{rec.outcome}" in css.split()
            for part in [rec.message or "", *rec.warnings]:
                assert part in title
        if c.expected is not None:
            title, css = shown[f"pool-with/verbatim/spawn/{c.id}"]
            assert "expected, not measured" in title
            assert "exp" in css.split()
            rule = expectations.expectation(c.expected.platform, "pool-with", "verbatim", "spawn")
            assert rule is not None
            assert f"citation: {rule.cite}" in title


def test_browser_filters(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    all_rows = len(cases.every_cell())
    cols = _columns()
    _reset(driver)
    # start method = spawn only
    _set_all(driver, "method", False)
    assert _count(driver, "tr.row") == 0
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="method"][value="spawn"]'))
    spawn_rows = sum(1 for c in cases.every_cell() if c[2] == "spawn")
    assert 0 < spawn_rows < all_rows
    assert _count(driver, "tr.row") == spawn_rows
    assert _count(driver, "tr.row.sm-spawn") == spawn_rows
    assert driver.find_element(By.ID, "filter-status").get_attribute("data-rows") == str(spawn_rows)
    # variant = vetted only
    _reset(driver)
    _set_all(driver, "variant", False)
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="variant"][value="vetted"]'))
    assert _count(driver, "tr.row") == sum(1 for c in cases.every_cell() if c[1] == "vetted") > 0
    # platform = CPython 3.14.x only: one platform column per table, one facts row
    _reset(driver)
    _set_all(driver, "col", False)
    target = next(c for c in cols if c.kind == "measured" and c.label.startswith("CPython 3.14"))
    _click(driver, driver.find_element(By.CSS_SELECTOR, f'input[data-filter="col"][value="{target.id}"]'))
    assert _count(driver, "tr.row") == all_rows
    assert _count(driver, "table.m thead th.col") == len(ROW_IDS)
    assert _count(driver, f"table.m thead th.col-{target.id}") == len(ROW_IDS)
    assert _count(driver, "#facts tbody tr") == 1
    # OS = not Linux: only the expected macOS / Windows columns are left
    _reset(driver)
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="os"][value="linux"]'))
    others = [c for c in cols if c.os != "linux"]
    assert others
    assert _count(driver, 'table[data-pattern="pool-with"] thead th.col') == len(others)
    # source = measured only
    _reset(driver)
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="kind"][value="expected"]'))
    assert _count(driver, "table.m thead th.col.exp") == 0
    assert _count(driver, "table.m thead th.col") == len(ROW_IDS) * sum(
        1 for c in cols if c.kind == "measured"
    )
    # row: hiding one hides its section and rows
    _reset(driver)
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="pattern"][value="queue-class"]'))
    assert _count(driver, "section.pattern") == len(ROW_IDS) - 1
    assert _count(driver, "tr.row") == all_rows - len(render.rows_for("queue-class"))
    _reset(driver)
    assert _count(driver, "tr.row") == all_rows


def test_browser_click_shows_details(driver: WebDriver, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _reset(driver)
    cols = _columns()
    # a measured error with a message, preferably on CPython 3.14
    measured = sorted(
        (
            (not c.label.startswith("CPython 3.14"), n, c, r)
            for n, c in enumerate(cols)
            if c.results is not None
            for r in c.results.records
            if r.outcome == "error" and r.message
        ),
        key=lambda t: (t[0], t[1]),
    )
    assert measured
    _, _, col, rec = measured[0]
    button = driver.find_element(
        By.CSS_SELECTOR, f'button[data-cell="{rec.pattern}/{rec.variant}/{rec.start_method}/{col.id}"]'
    )
    _click(driver, button)
    panel = driver.find_element(By.ID, "details")
    assert panel.is_displayed()
    text = panel.text
    assert rec.message is not None
    assert rec.message in text
    assert str(rec.exception) in text
    assert "measured" in text
    cite = driver.find_element(By.CSS_SELECTOR, "#details-cite a").get_attribute("href")
    assert cite is not None
    assert cite.startswith("https://")
    png = driver.get_screenshot_as_png()
    _keep(png, tmp_path / "matrix-details.png")
    image = pngcheck.decode(png)
    assert (image.width, image.height) >= (800, 600)
    assert len(image.colours()) > 64, "the screenshot looks blank"
    # an expected cell: its panel says so and links the citation
    _click(driver, driver.find_element(By.ID, "details-close"))
    assert not panel.is_displayed()
    exp_col = next(c for c in cols if c.expected is not None)
    assert exp_col.expected is not None
    _click(
        driver,
        driver.find_element(By.CSS_SELECTOR, f'button[data-cell="pool-with/verbatim/spawn/{exp_col.id}"]'),
    )
    assert panel.is_displayed()
    assert "expected, not measured" in panel.text
    rule = expectations.expectation(exp_col.expected.platform, "pool-with", "verbatim", "spawn")
    assert rule is not None
    assert driver.find_element(By.CSS_SELECTOR, "#details-cite a").get_attribute("href") == rule.cite
    assert re.search(r"\bWhy\b", panel.text)
    _click(driver, driver.find_element(By.ID, "details-close"))


def test_browser_version_ranges(driver: WebDriver) -> None:
    """Each pattern's version ranges say what matrix/README.md's table says, and follow the filters."""
    from selenium.webdriver.common.by import By

    _reset(driver)
    script = (
        "return Array.from(document.querySelectorAll('table.rg td')).map(td => "
        "[td.closest('table').getAttribute('data-pattern'), td.parentNode.getAttribute('data-variant'), "
        "td.parentNode.getAttribute('data-method'), td.getAttribute('data-family'), td.textContent]);"
    )
    shown = {(p, v, m, f): text for p, v, m, f, text in driver.execute_script(script)}
    fams, _, sts = statements.all_statements(store.load_all())
    assert len(shown) == len(sts) == len(cases.every_cell()) * len(fams)
    for st in sts:
        parts, cites = tables.statement_parts(st, tables.span_text)
        text = " · ".join(f"{what} {labels}" + (" ← why" if url else "") for _, what, labels, url in parts)
        expected = (text or "—") + "".join(f"[{n}]" for n in range(1, len(cites) + 1))
        assert shown[(st.pattern, st.variant, st.start_method, st.family)] == expected
    details = driver.find_element(By.CSS_SELECTOR, "#queue-class details.ranges")
    _click(driver, details.find_element(By.TAG_NAME, "summary"))
    visible_fams = _count(driver, "#queue-class table.rg thead th.fos-linux")
    assert visible_fams == sum(1 for f in fams if f.os == "linux") > 0
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="os"][value="linux"]'))
    assert _count(driver, "#queue-class table.rg thead th.fos-linux") == 0
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="variant"][value="vetted"]'))
    assert _count(driver, "#queue-class table.rg tr.var-vetted") == 0
    assert _count(driver, "#queue-class table.rg tr.var-guarded") > 0
    _reset(driver)
    _click(driver, details.find_element(By.TAG_NAME, "summary"))


# ---------------------------------------------------------------------------
# the platform picker
# ---------------------------------------------------------------------------


def _pick(driver: WebDriver, os_name: str, family: str, version: str, method: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    for key, value in (("os", os_name), ("impl", family), ("version", version), ("method", method)):
        select = driver.find_element(By.ID, f"pick-{key}")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", select)
        Select(select).select_by_value(value)
    expected_key = f"{family}|{version}|{method}"
    assert driver.find_element(By.ID, "answer").get_attribute("data-key") == expected_key


@dataclass(frozen=True)
class Card:
    """One pattern's card in the picker's answer, as displayed."""

    variants: List[Tuple[str, str]]  # (variant, its line's text)
    classes: List[str]  # each line's class (its outcome's colour)
    copy: str | None  # the command shown to copy
    caveat: bool  # the "vetted form does not pass everywhere here" line is shown


def _shown_answer(driver: WebDriver) -> Dict[str, Card]:
    script = """
      return Array.from(document.querySelectorAll('#answer .card')).map(card => [
        card.getAttribute('data-pattern'),
        Array.from(card.querySelectorAll('li')).map(li => [li.getAttribute('data-variant'),
          li.querySelector('.t').textContent, li.className]),
        card.querySelector('code.copy') ? card.querySelector('code.copy').textContent : null,
        card.querySelector('.caveat') !== null]);"""
    rows = driver.execute_script(script)
    return {r[0]: Card([(v[0], v[1]) for v in r[1]], [v[2] for v in r[1]], r[2], r[3]) for r in rows}


#: Two platforms the picker is asked about: one measured here, one expected (not measured).
PICKS = (
    ("linux", "linux-cpython", "3.13", "default"),  # 3.13.0 and 3.13.18: two measured releases
    ("darwin", "darwin-cpython", "3.14", "spawn"),
    ("linux", "linux-pypy", "3.11", "forkserver"),
)


@pytest.mark.parametrize("choice", PICKS, ids=["-".join(p) for p in PICKS])
def test_picker_answers_as_why_does(driver: WebDriver, choice: Tuple[str, str, str, str]) -> None:
    from selenium.webdriver.common.by import By

    os_name, family, version, method = choice
    results = store.load_all()
    families = {f.id: f for f in statements.releases(results)[0]}
    if family not in families:
        pytest.skip(f"no {family} in the committed results")
    _pick(driver, os_name, family, version, method)
    fam = families[family]
    question = why.Question(version + ("t" if fam.free_threaded else ""), fam.implementation, fam.os, method)
    shown = _shown_answer(driver)
    assert list(shown) == list(PATTERN_IDS)
    platform_line = driver.find_element(By.CSS_SELECTOR, "#answer .plat").text
    for pattern in PATTERN_IDS:
        expected = why.explain(pattern, question, results)
        assert platform_line == expected.platform
        assert shown[pattern].variants == list(expected.variants), pattern
        assert shown[pattern].copy == f"{expected.copy} > snippet.py && python3 snippet.py"
        assert shown[pattern].caveat is (not expected.vetted_ok)
        assert all(css.startswith("o-") for css in shown[pattern].classes)
    # the command the page shows prints the same answer
    command = driver.find_element(By.CSS_SELECTOR, "#answer .whycmd code").text
    argv = shlex.split(command)
    assert argv[:4] == ["python3", "-m", "matrix", "why"]
    from matrix.cli import build_parser

    args = build_parser().parse_args(argv[3:])
    asked = why.Question(args.python, args.implementation, args.os, args.start_method)
    assert asked == question
    assert args.all


def test_picker_follows_the_choice(driver: WebDriver) -> None:
    """Changing the OS refills the implementations, versions and start methods from the data."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    data_fams = {f.id: f for f in statements.releases(store.load_all())[0]}
    if "win32-cpython" not in data_fams:
        pytest.skip("no Windows family")
    Select(driver.find_element(By.ID, "pick-os")).select_by_value("win32")
    methods = [o.get_attribute("value") for o in Select(driver.find_element(By.ID, "pick-method")).options]
    assert methods == ["default", "spawn"]  # Windows offers spawn only
    key = driver.find_element(By.ID, "answer").get_attribute("data-key")
    assert key is not None
    assert key.startswith("win32-cpython|")


def test_picker_screenshot(driver: WebDriver, tmp_path: Path) -> None:
    """The picker's answer region renders: a screenshot of it is a sizeable, non-blank image."""
    from selenium.webdriver.common.by import By

    _pick(driver, "darwin", "darwin-cpython", "3.14", "spawn")
    region = driver.find_element(By.ID, "answer")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", region)
    png = region.screenshot_as_png
    _keep(png, tmp_path / "picker-answer.png")
    image = pngcheck.decode(png)
    size = region.size
    # the image is the element (device pixel ratio 1 here), at most the window's height
    assert abs(image.width - size["width"]) <= 2
    assert image.height <= size["height"] + 2
    assert image.width >= 600
    assert image.height >= 300
    colours = image.colours()
    assert len(colours) > 32, "the answer region looks blank"
    # no colour covers almost everything: cards, coloured outcome lines and text are drawn
    assert colours.most_common(1)[0][1] < 0.9 * len(image.pixels)
    # each outcome colour the lines were given is drawn (page.css: .o-ok uses --ok, ...)
    css = (page.STATIC / "page.css").read_text(encoding="utf-8")
    classes = {c for card in _shown_answer(driver).values() for c in card.classes}
    outcome_classes = classes & {"o-ok", "o-error", "o-hang", "o-crash"}
    assert outcome_classes
    for cls in outcome_classes:
        var = re.search(rf"\.{cls}{{background:var\(--([a-z]+)\)", css)
        assert var is not None, cls
        rgb = re.search(rf"--{var.group(1)}:#([0-9a-f]{{6}})", css)
        assert rgb is not None, var.group(1)
        assert colours[tuple(bytes.fromhex(rgb.group(1)))] > 100, cls


def test_picker_defaults_and_copy(driver: WebDriver) -> None:
    """A fresh page answers for the browser's OS (Linux here), its plain CPython, the newest version
    and the default start method, as ``why`` does for a platform other than its own; Copy selects
    the command (and copies it where the browser lets a page write the clipboard)."""
    from selenium.webdriver.common.by import By

    driver.get(page.INDEX_HTML.resolve().as_uri())
    fams, rels = statements.releases(store.load_all())
    fam = next(f for f in fams if (f.os, f.implementation, f.free_threaded) == ("linux", "cpython", False))
    newest = [r for r in rels if r.family == fam.id][-1].minor
    key = driver.find_element(By.ID, "answer").get_attribute("data-key")
    assert key == f"{fam.id}|{newest[0]}.{newest[1]}|default"
    card = driver.find_element(By.CSS_SELECTOR, '#answer .card[data-pattern="queue-class"]')
    command = card.find_element(By.CSS_SELECTOR, "code.copy").text
    assert command.startswith("python3 -m reference show queue-class")
    button = card.find_element(By.CSS_SELECTOR, "button.copybtn")
    _click(driver, button)
    assert button.text in ("Copied", "Selected")
    assert driver.execute_script("return window.getSelection().toString();") == command
