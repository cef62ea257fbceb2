"""matrix/index.html: generated from the committed results, self-contained, and working in a browser.

The browser tests drive a real headless Chromium through Selenium (Debian: ``apt-get install
chromium chromium-driver``; Python: the ``selenium`` package). They skip, saying what is missing,
when either is absent; ``$MATRIX_CHROMIUM`` / ``$MATRIX_CHROMEDRIVER`` point them at other binaries,
and ``$MATRIX_HTML_SCREENSHOT`` keeps a copy of the screenshot they take.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import tempfile
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Tuple

import pytest
from generated import assert_same_text

from matrix import cases, expectations, render, store
from matrix import html as page
from matrix.rows import ROW_IDS

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


# ---------------------------------------------------------------------------
# the generated file (no browser needed)
# ---------------------------------------------------------------------------


def test_index_is_up_to_date() -> None:
    expected = page.render_html(store.load_all())
    actual = page.INDEX_HTML.read_text(encoding="utf-8")
    assert_same_text(actual, expected, "matrix/index.html is stale: run `python -m matrix html`")


def test_render_is_deterministic() -> None:
    results = store.load_all()
    assert page.render_html(results) == page.render_html(dict(reversed(list(results.items()))))


class _Collect(HTMLParser):
    """Tags with their attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[Tuple[str, Dict[str, str | None]]] = []
        self.scripts: List[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def _parsed() -> _Collect:
    parser = _Collect()
    parser.feed(page.INDEX_HTML.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_self_contained() -> None:
    text = page.INDEX_HTML.read_text(encoding="utf-8")
    parsed = _parsed()
    for tag, attrs in parsed.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed"), f"external resource <{tag}>"
        assert "src" not in attrs, f"<{tag} src=...> loads a resource"
    assert "@import" not in text
    assert "url(" not in text
    assert "<!DOCTYPE html>" in text
    assert '<meta charset="utf-8">' in text


def test_structure_matches_the_records() -> None:
    results = store.load_all()
    parsed = _parsed()
    cols = [c for c in page.columns(results) if c.kind != "failed"]
    tables = [a for t, a in parsed.tags if t == "table" and a.get("class") == "m"]
    assert [a["data-pattern"] for a in tables] == list(ROW_IDS)
    rows = [a for t, a in parsed.tags if t == "tr" and (a.get("class") or "").startswith("row ")]
    assert len(rows) == len(cases.every_cell())
    buttons = [a for t, a in parsed.tags if t == "button" and a.get("class") == "cb"]
    assert len(buttons) == len(cases.every_cell()) * len(cols)
    data = json.loads(parsed.scripts[0])
    assert sorted(data["cells"]) == sorted(str(b["data-cell"]) for b in buttons)
    for b in buttons:
        assert b["title"], b["data-cell"]
    # every measured record's message and warnings reach the hover text
    titles = {str(b["data-cell"]): str(b["title"]) for b in buttons}
    for c in cols:
        if c.results is None:
            continue
        for rec in c.results.records:
            title = titles[f"{rec.pattern}/{rec.variant}/{rec.start_method}/{c.id}"]
            assert f"measured: {rec.outcome}" in title
            for part in [rec.message or "", *rec.warnings]:
                assert part in title
    # expected columns are marked as such, with the citation
    for c in cols:
        if c.expected is not None:
            title = titles[f"pool-with/verbatim/spawn/{c.id}"]
            assert "expected, not measured" in title
            rule = expectations.expectation(c.expected.platform, "pool-with", "verbatim", "spawn")
            assert rule is not None
            assert f"citation: {rule.cite}" in title


def test_cmd_html_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "index.html"
    assert not page.is_up_to_date(target=target)
    assert page.cmd_html(target=target) == 0
    assert page.is_up_to_date(target=target)
    written = target.read_text(encoding="utf-8")
    assert_same_text(written, page.INDEX_HTML.read_text(encoding="utf-8"), "differs from matrix/index.html")
    assert str(target) in capsys.readouterr().out


# ---------------------------------------------------------------------------
# a real browser
# ---------------------------------------------------------------------------


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


def test_browser_shows_the_tables(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    cols = [c for c in page.columns(store.load_all()) if c.kind != "failed"]
    assert driver.title == "Compatibility matrix: multiprocessing patterns"
    # the page script ran to its end (a syntax or run-time error would stop it before)
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("data-ready") == "1"
    assert _count(driver, "table.m") == len(ROW_IDS)
    assert _count(driver, "tr.row") == len(cases.every_cell())
    assert _count(driver, "table.m thead th.col") == len(ROW_IDS) * len(cols)
    assert _count(driver, "#facts tbody tr") == len(page.columns(store.load_all()))
    status = driver.find_element(By.ID, "filter-status")
    assert status.get_attribute("data-rows") == str(len(cases.every_cell()))
    assert status.text.startswith(f"Showing {len(cols)} of {len(cols)} platforms")
    assert driver.find_element(By.ID, "details").is_displayed() is False


def test_browser_filters(driver: WebDriver) -> None:
    from selenium.webdriver.common.by import By

    all_rows = len(cases.every_cell())
    cols = [c for c in page.columns(store.load_all()) if c.kind != "failed"]
    _reset(driver)
    # start method = spawn only
    _set_all(driver, "method", False)
    assert _count(driver, "tr.row") == 0
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="method"][value="spawn"]'))
    spawn_rows = sum(1 for c in cases.every_cell() if c[2] == "spawn")
    assert 0 < spawn_rows < all_rows
    assert _count(driver, "tr.row") == spawn_rows
    assert _count(driver, "tr.sm-spawn") == spawn_rows
    assert driver.find_element(By.ID, "filter-status").get_attribute("data-rows") == str(spawn_rows)
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
    # pattern: hiding one hides its section and rows
    _reset(driver)
    _click(driver, driver.find_element(By.CSS_SELECTOR, 'input[data-filter="pattern"][value="queue-class"]'))
    assert _count(driver, "section.pattern") == len(ROW_IDS) - 1
    assert _count(driver, "tr.row") == all_rows - len(render.rows_for("queue-class"))
    _reset(driver)
    assert _count(driver, "tr.row") == all_rows


def _png_check(data: bytes) -> Tuple[int, int]:
    """Minimal PNG decode: signature, IHDR, IDAT inflates to the right size, and not one colour."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8
            bpp = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + width * bpp)
    # many distinct byte values: text, colours and edges, not a blank (single-colour) page
    assert len(set(raw)) > 64, "the screenshot looks blank"
    return width, height


def test_browser_click_shows_details_and_screenshot(driver: WebDriver, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _reset(driver)
    results = store.load_all()
    cols = [c for c in page.columns(results) if c.kind != "failed"]
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
    cell_id = f"{rec.pattern}/{rec.variant}/{rec.start_method}/{col.id}"
    button = driver.find_element(By.CSS_SELECTOR, f'button[data-cell="{cell_id}"]')
    assert rec.message is not None
    assert rec.message in (button.get_attribute("title") or "")
    _click(driver, button)
    panel = driver.find_element(By.ID, "details")
    assert panel.is_displayed()
    text = panel.text
    assert rec.message in text
    assert str(rec.exception) in text
    assert "measured" in text
    cite = driver.find_element(By.CSS_SELECTOR, "#details-cite a").get_attribute("href")
    assert cite is not None
    assert cite.startswith("https://")
    png = driver.get_screenshot_as_png()
    shot = tmp_path / "matrix.png"
    shot.write_bytes(png)
    keep = os.environ.get("MATRIX_HTML_SCREENSHOT")
    if keep:
        shutil.copyfile(shot, keep)
    assert len(png) > 30_000
    width, height = _png_check(png)
    assert width >= 800
    assert height >= 600
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


def test_cli_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matrix.cli import main

    target = tmp_path / "page.html"
    assert main(["html", "--output", str(target), "--results-dir", str(store.RESULTS_DIR)]) == 0
    written = target.read_text(encoding="utf-8")
    assert_same_text(written, page.INDEX_HTML.read_text(encoding="utf-8"), "differs from matrix/index.html")
    assert f"wrote {target}" in capsys.readouterr().out
