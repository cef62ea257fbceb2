"""Everything generated from the results files, written together and checked together.

Beside ``README.md`` (:mod:`matrix.render`): ``index.html`` (:mod:`matrix.views.page`), one file per
measured platform under ``platforms/`` (:mod:`matrix.platforms`), the versioned export under
``data/`` and the change log ``CHANGES.md`` (:mod:`matrix.export`). ``python -m matrix render``,
a run and a merge write them (:func:`write_all`); ``python -m matrix check`` and the tests ask
:func:`stale` which are out of date. Only the change log depends on what was there before: it gains
an entry when the export's cells changed, and is never stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List

from matrix import export, platforms, render, store
from matrix.model import ResultsFile
from matrix.views import page


def texts(results: Dict[str, ResultsFile], readme: Path) -> Dict[Path, str]:
    """Path -> text of every generated file but the change log, for ``readme``'s directory."""
    out = {readme: render.render_readme(results), readme.parent / "index.html": page.render_html(results)}
    pdir = readme.parent / platforms.DIRNAME
    for name, text in platforms.render_all(results).items():
        out[pdir / name] = text
    ddir = readme.parent / export.DIRNAME
    out[ddir / export.DATA_NAME] = export.data_text(results)
    out[ddir / export.SCHEMA_NAME] = export.schema_text()
    return out


def write_all(results_dir: Path, readme: Path, say: Callable[[str], None] = lambda _: None) -> List[Path]:
    """Write the generated files from ``results_dir`` (under its lock); the paths written."""
    with store.locked(results_dir, say):
        results = store.load_all(results_dir)
        wanted = texts(results, readme)
        data_path = readme.parent / export.DIRNAME / export.DATA_NAME
        before = data_path.read_text(encoding="utf-8") if data_path.is_file() else None
        pdir = readme.parent / platforms.DIRNAME
        pdir.mkdir(exist_ok=True)
        (readme.parent / export.DIRNAME).mkdir(exist_ok=True)
        for old in pdir.glob("*.md"):
            if old not in wanted:
                old.unlink()  # a platform whose results file is gone
        for path, text in wanted.items():
            store.atomic_write_text(path, text)
        log = readme.parent / export.CHANGES_NAME
        entry = export.change_entry(before, wanted[data_path])
        if entry is not None:
            current = log.read_text(encoding="utf-8") if log.is_file() else ""
            store.atomic_write_text(log, export.add_entry(current, entry))
    return [readme, readme.parent / "index.html", pdir, data_path.parent]


def stale(results_dir: Path, readme: Path) -> List[Path]:
    """The generated files that differ from what ``results_dir`` renders to (or are extra)."""
    results = store.load_all(results_dir)
    wanted = texts(results, readme)
    out = [p for p, text in wanted.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
    pdir = readme.parent / platforms.DIRNAME
    out += sorted(p for p in pdir.glob("*.md") if p not in wanted) if pdir.is_dir() else []
    return out
