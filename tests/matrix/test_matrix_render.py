"""matrix/README.md is generated: it must match what the committed results render to."""

from __future__ import annotations

import re

import pytest
from generated import assert_same_text

from matrix import platforms, render, rows, statements, store, tables
from matrix.rows import PATTERN_IDS, ROW_IDS


def test_readme_is_up_to_date() -> None:
    expected = render.render_readme(store.load_all())
    actual = store.README.read_text(encoding="utf-8")
    assert_same_text(actual, expected, "matrix/README.md is stale: run `python -m matrix render`")


def test_readme_structure() -> None:
    text = store.README.read_text(encoding="utf-8")
    assert text.startswith("<!-- GENERATED FILE: do not edit by hand.")
    for pattern in PATTERN_IDS:
        assert f'<a id="{pattern}"></a>' in text
        ref = rows.REFERENCE_FILES[pattern]
        assert f"(../reference/{ref})" in text
        assert (store.PACKAGE_DIR.parent / "reference" / ref).is_file()
    assert "expected, not measured" in text
    assert "(expected)*" in text
    # the advice comes before any pattern table
    assert text.index("## Which variant to copy for your platform") < text.index("## Patterns")
    assert text.index("## Which variant to copy") < text.index("python3 -m matrix why")
    # every numbered source link has a definition
    refs = set(re.findall(r"\[(\d+)\](?![:(])", text))
    defs = set(re.findall(r"^\[(\d+)\]: https?://", text, flags=re.M))
    assert refs == defs


def test_tables_fit_githubs_width() -> None:
    text = store.README.read_text(encoding="utf-8")
    table_lines = [line for line in text.splitlines() if line.startswith("|")]
    assert table_lines
    assert max(len(line) for line in table_lines) <= tables.MAX_TABLE_LINE
    heads = [line for line in table_lines if line.startswith("| Variant | Start method |")]
    assert len(heads) == len(ROW_IDS)
    assert all(line.count(" | ") - 1 <= 6 for line in heads)  # at most 6 platform columns


def test_an_overlong_row_is_shortened_and_given_in_full_below(monkeypatch: pytest.MonkeyPatch) -> None:
    results = store.load_all()
    fams, _, sts = statements.all_statements(results)
    by_key = {(s.pattern, s.variant, s.start_method, s.family): s for s in sts}
    monkeypatch.setattr(tables, "MAX_TABLE_LINE", 200)
    lines = tables.matrix_table("queue-class", fams, by_key, [])
    rows = [line for line in lines if line.startswith("|")]
    assert max(len(line) for line in rows) <= 200
    full = [line for line in lines if line.startswith("* ")]
    assert full
    assert all("(‡" in line for line in full)
    assert sum(line.count("[‡") for line in rows) == len(full)


def test_platform_files_hold_every_cell_with_its_message() -> None:
    results = store.load_all()
    for name, rf in results.items():
        text = (store.PACKAGE_DIR / platforms.DIRNAME / platforms.filename(name)).read_text(encoding="utf-8")
        assert text == platforms.render_platform(name, rf)
        for rec in rf.records:
            if rec.outcome == "error" and rec.message:
                assert render.escape(rec.message) in text
        assert max(len(line) for line in text.splitlines() if line.startswith("|")) <= tables.MAX_TABLE_LINE


def test_cli_check_detects_staleness(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from matrix.cli import cmd_check, cmd_render

    readme = tmp_path / "README.md"
    readme.write_text("old\n", encoding="utf-8")
    assert cmd_check(readme=readme) == 1
    assert cmd_render(readme=readme) == 0
    assert cmd_check(readme=readme) == 0
    capsys.readouterr()
