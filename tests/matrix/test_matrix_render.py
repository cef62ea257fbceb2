"""matrix/README.md is generated: it must match what the committed results render to."""

from __future__ import annotations

import re

from generated import assert_same_text

from matrix import render, store
from matrix.model import PATTERN_IDS


def test_readme_is_up_to_date() -> None:
    expected = render.render_readme(store.load_all())
    actual = store.README.read_text(encoding="utf-8")
    assert_same_text(actual, expected, "matrix/README.md is stale: run `python -m matrix render`")


def test_readme_structure() -> None:
    text = store.README.read_text(encoding="utf-8")
    assert text.startswith("<!-- GENERATED FILE: do not edit by hand.")
    for pattern in PATTERN_IDS:
        assert f'<a id="{pattern}"></a>' in text
        ref = render.REFERENCE_FILES[pattern]
        assert f"(../reference/{ref})" in text
        assert (store.PACKAGE_DIR.parent / "reference" / ref).is_file()
    assert "expected, not measured" in text
    assert "(expected)" in text
    # every footnote reference has a definition
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", text))
    defs = set(re.findall(r"^\[\^(\d+)\]:", text, flags=re.M))
    assert refs == defs


def test_cli_check_detects_staleness(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from matrix.cli import cmd_check, cmd_render

    readme = tmp_path / "README.md"
    readme.write_text("old\n", encoding="utf-8")
    assert cmd_check(readme=readme) == 1
    assert cmd_render(readme=readme) == 0
    assert cmd_check(readme=readme) == 0
    capsys.readouterr()
