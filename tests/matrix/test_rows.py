"""matrix.rows: the one registry of rows; every pattern is complete and named nowhere else."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from matrix import cases, rows
from matrix.failure_modes import FAILURE_MODES
from matrix.failure_texts import WHAT_HAPPENS
from reference import _recipes as recipes
from reference._patterns import PATTERNS

MATRIX = Path(rows.__file__).resolve().parent
#: Modules that may name rows by id: the registries, the case scripts keyed by row, and the
#: cited rules (data about rows, each naming the rows it covers).
MAY_NAME_ROWS = {
    *("rows.py", "failure_modes.py", "failure_texts.py"),  # the registries, the rows' texts
    *("cases.py", "failure_scripts/"),  # the case scripts, keyed by row
    *("expectations.py", "failure_rules/"),  # the cited rules
}


def test_patterns_come_from_the_reference_registry() -> None:
    assert tuple(p for p, entry in PATTERNS.items() if not entry.row) == rows.PATTERN_IDS
    assert rows.PATTERN_IDS + tuple(FAILURE_MODES) == rows.ROW_IDS
    assert set(rows.POOLS) == {"pool-close-join", "pool-with", "pool-return"}
    assert "thread-event" not in rows.MULTIPROCESS


def test_every_pattern_is_complete() -> None:
    """One registry entry gives a pattern all it needs: module, the form to copy, file, title, case."""
    reference_dir = MATRIX.parent / "reference"
    for pattern, entry in PATTERNS.items():
        if entry.row:
            continue  # beyond the notes: test_every_form_beyond_the_notes_has_its_row
        module = importlib.import_module(entry.module)
        assert callable(getattr(module, entry.copy)), pattern
        assert (reference_dir / rows.REFERENCE_FILES[pattern]).is_file(), pattern
        assert rows.TITLES[pattern][0] == entry.title
        assert pattern in cases.SNIPPETS, f"{pattern}: no verbatim case in matrix/cases.py"
        assert set(rows.ROW_VARIANTS[pattern]) >= {"verbatim", "guarded", "vetted"}


def test_every_failure_row_has_its_text() -> None:
    """The paragraph under each failure/claim row's table, and none for a row that is gone."""
    assert set(WHAT_HAPPENS) == set(FAILURE_MODES)


def test_every_form_beyond_the_notes_has_its_row() -> None:
    """A vetted form that is not one of the notes' patterns is measured by its failure row: the row
    exists, has a ``vetted`` variant, names the form as its remedy, and ``show`` offers it."""
    for pattern, entry in PATTERNS.items():
        if not entry.row:
            continue
        module = importlib.import_module(entry.module)
        assert callable(getattr(module, entry.copy)), pattern
        assert pattern not in rows.PATTERN_IDS, pattern
        row = FAILURE_MODES[entry.row]
        assert "vetted" in row.variants, f"{entry.row}: no vetted variant measures {pattern}"
        assert row.remedy.startswith(entry.module.replace(".", "/") + ".py"), (pattern, row.remedy)
        assert recipes.variants_of(pattern) == ("vetted",), pattern


def test_no_other_matrix_module_names_a_row() -> None:
    """A row id as a string literal outside the registries means a second list to keep in step."""
    offenders = []
    for path in sorted(MATRIX.rglob("*.py")):
        rel = path.relative_to(MATRIX)
        if rel.name in MAY_NAME_ROWS or f"{rel.parts[0]}/" in MAY_NAME_ROWS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in rows.ROW_IDS:
                offenders.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert offenders == []
