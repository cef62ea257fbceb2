"""matrix/index.html without a browser: generated from the committed results, self-contained, small,
every fact once (the data blob), and the picker's answers those of ``python -m matrix why``.

The browser tests are in ``test_matrix_html_browser.py``.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from generated import assert_same_text

from matrix import cases, expectations, render, statements, store, tables, why
from matrix.rows import PATTERN_IDS, ROW_IDS
from matrix.views import page, page_data

#: The page must stay a quick download (issue 15): it was 1.75 MB with a title per cell.
MAX_BYTES = 400_000


def blob() -> Dict[str, Any]:
    """The page's data blob, as the page's script reads it."""
    parsed = _parsed()
    (text,) = [
        s for s, attrs in zip(parsed.scripts, parsed.script_attrs) if attrs.get("type") == "application/json"
    ]
    data: Dict[str, Any] = json.loads(text)
    return data


def test_index_is_up_to_date() -> None:
    expected = page.render_html(store.load_all())
    actual = page.INDEX_HTML.read_text(encoding="utf-8")
    assert_same_text(actual, expected, "matrix/index.html is stale: run `python -m matrix render`")


def test_render_is_deterministic() -> None:
    results = store.load_all()
    assert page.render_html(results) == page.render_html(dict(reversed(list(results.items()))))


class _Collect(HTMLParser):
    """Tags with their attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[Tuple[str, Dict[str, str | None]]] = []
        self.scripts: List[str] = []
        self.script_attrs: List[Dict[str, str | None]] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")
            self.script_attrs.append(dict(attrs))

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


def test_static_files_are_inlined() -> None:
    """The CSS and scripts are real files, inlined (one page, offline) on one line each: every
    line of the file, in order, nothing else."""
    text = page.INDEX_HTML.read_text(encoding="utf-8")
    for name, element in page.STATIC_FILES:
        lines = [
            x.strip() for x in (page.STATIC / name).read_text(encoding="utf-8").splitlines() if x.strip()
        ]
        assert len(lines) > 50, name
        assert f"<{element}>{' '.join(lines)}</{element}>" in text, f"{name} is not inlined"


def test_small_and_every_text_once() -> None:
    """≤ 400 kB, one data blob, and each measured message stored once: not in the HTML around the
    blob (no per-cell hover text), one entry of the blob's strings (the others that quote it are
    ``why``'s answer lines, which the picker shows as they are)."""
    raw = page.INDEX_HTML.read_bytes()
    assert len(raw) <= MAX_BYTES, f"index.html is {len(raw)} bytes"
    parsed = _parsed()
    assert [a.get("type") for a in parsed.script_attrs].count("application/json") == 1
    text = raw.decode("utf-8")
    start = text.index('<script type="application/json"')
    outside = text[:start] + text[text.index("</script>", start) :]
    data = blob()
    strings = data["s"]
    assert len(strings) == len(set(strings))
    assert len(data["cite"]) == len(set(data["cite"]))
    answer_lines = {strings[t] for _, per in data["pick"]["ans"].values() for texts, *_ in per for t in texts}
    messages = {
        r.message for rf in store.load_all().values() for r in rf.records if r.message and len(r.message) > 30
    }
    assert len(messages) > 10
    # A parent's message can also be another cell's cause ("builtins.AttributeError: <message>":
    # a 3.6 executor hangs on the pickling error that 3.9+ raise): a different text, kept whole.
    # And a message can be the tail of another record's (3.10 names the class: "ProcessPoolExecutor.
    # __init__() got an unexpected keyword ..." where 3.6-3.9 say "__init__() got ..."): both are kept.
    cause_texts = {statements.cause_text(r) for rf in store.load_all().values() for r in rf.records}
    cause_texts |= {r.message for rf in store.load_all().values() for r in rf.records}
    for message in messages:
        assert message not in outside
        assert page_data.json_text(message)[1:-1] not in outside
        holders = [x for x in strings if message in x]
        assert message in holders
        assert set(holders) - {message} <= answer_lines | cause_texts, message


def _cell(data: Dict[str, Any], key: Tuple[str, str, str], col: str) -> List[Any]:
    r = [tuple(x) for x in data["rows"]].index(key)
    c = [x[0] for x in data["cols"]].index(col)
    cell: List[Any] = data["cells"][r][c]
    return cell


def _field(cell: List[Any], name: str) -> Any:
    i = page_data.MEASURED_FIELDS.index(name)
    return cell[i] if i < len(cell) else None


def test_blob_holds_every_record() -> None:
    """Successor of the per-cell hover-text test: every record's outcome, exception, message,
    cause and warnings are in its cell, and an expected cell names its rule's citation."""
    results = store.load_all()
    data = blob()
    s = data["s"]
    cols = [c for c in page_data.columns(results) if c.kind != "failed"]
    assert [x[0] for x in data["cols"]] == [c.id for c in cols]
    assert [tuple(x) for x in data["rows"]] == [(p, v, m) for p in ROW_IDS for v, m in render.rows_for(p)]
    assert sorted(map(tuple, data["rows"])) == sorted(cases.every_cell())
    assert all(len(line) == len(cols) for line in data["cells"])
    seen = 0
    for c in cols:
        if c.results is None:
            continue
        for rec in c.results.records:
            cell = _cell(data, (rec.pattern, rec.variant, rec.start_method), c.id)
            got = {n: _field(cell, n) for n in page_data.MEASURED_FIELDS}
            assert data["out"][got["outcome"]] == rec.outcome
            assert got["exit_code"] == rec.exit_code
            for name, value in (("exception", rec.exception), ("message", rec.message)):
                assert (None if got[name] is None else s[got[name]]) == value, (c.id, rec.pattern, name)
            assert (None if got["cause"] is None else s[got["cause"]]) == statements.cause_text(rec)
            assert [s[w] for w in got["warnings"] or []] == rec.warnings
            seen += 1
    assert seen == sum(len(c.results.records) for c in cols if c.results is not None) > 1000
    for c in cols:
        if c.expected is None:
            continue
        rule = expectations.expectation(c.expected.platform, "pool-with", "verbatim", "spawn")
        assert rule is not None
        outcome, index = _cell(data, ("pool-with", "verbatim", "spawn"), c.id)[:2]
        stored = data["rules"][index]
        assert data["cite"][stored[4]] == rule.cite
        assert [data["out"][o] for o in stored[0]] == list(rule.outcomes)
        assert data["out"][outcome] == rule.outcomes[0]


def test_blob_holds_the_version_ranges() -> None:
    """The page's ranges are matrix/README.md's statements: every (row, family), part by part."""
    results = store.load_all()
    data = blob()
    s, cite = data["s"], data["cite"]
    fams, _, sts = statements.all_statements(results)
    by_key = {(x.pattern, x.variant, x.start_method, x.family): x for x in sts}
    assert [f[0] for f in data["ranges"]["fams"]] == [f.id for f in fams]
    assert [f[3] for f in data["ranges"]["fams"]] == [f.os for f in fams]
    for r, key in enumerate(map(tuple, data["rows"])):
        for f, fam in enumerate(fams):
            cell_key = (*key, fam.id)  # a name: ruff format would drop the brackets of by_key[(*key, ...)]
            parts, cites = tables.statement_parts(by_key[cell_key], tables.span_text)
            shown, links = data["ranges"]["cells"][r][f]
            decoded = [
                ("expected" if p[0] else "measured", s[p[1]], s[p[2]], cite[p[3]] if len(p) > 3 else None)
                for p in shown
            ]
            assert decoded == parts, (key, fam.id)
            assert [cite[c] for c in links] == cites


def picker_answer(data: Dict[str, Any], key: str) -> Tuple[str, Dict[str, why.Answer]]:
    """One picker answer decoded from the blob, as :class:`why.Answer` objects (without title)."""
    s = data["s"]
    platform_index, per_pattern = data["pick"]["ans"][key]
    out: Dict[str, why.Answer] = {}
    for (pattern, title, variants), (texts, copy, ok, remedy) in zip(data["pick"]["pats"], per_pattern):
        pairs = tuple(zip(variants, (s[t] for t in texts)))
        copy_text = None if copy is None else s[copy]
        remedy_text = None if remedy is None else s[remedy]
        out[pattern] = why.Answer(pattern, title, s[platform_index], pairs, copy_text, bool(ok), remedy_text)
    return s[platform_index], out


def test_picker_answers_are_whys() -> None:
    """Every answer the picker can show is what ``why`` says for the same question."""
    results = store.load_all()
    data = blob()
    fams = {f[0]: f for f in data["pick"]["fams"]}
    known_families = {f.id for f in statements.releases(results)[0]}
    assert set(fams) == known_families
    assert [p[0] for p in data["pick"]["pats"]] == list(PATTERN_IDS)
    keys = data["pick"]["ans"]
    # every family x version x method offered by the selects has an answer, and nothing else
    offered = {f"{f[0]}|{v}|{m}" for f in fams.values() for v, _ in f[5] for m in f[6]}
    assert offered == set(keys)
    assert {k.split("|")[0] for k in keys} == known_families
    for key in keys:
        fam_id, version, method = key.split("|")
        fam = fams[fam_id]
        question = why.Question(version + ("t" if fam[4] else ""), fam[3], fam[2], method)
        platform_text, answers = picker_answer(data, key)
        for pattern in PATTERN_IDS:
            expected = why.explain(pattern, question, results)
            assert answers[pattern] == expected, key
            assert platform_text == expected.platform


def test_picker_versions_follow_the_releases() -> None:
    """3.13 (every 3.13 release measured) is offered, and each release where a minor has several."""
    results = store.load_all()
    data = blob()
    _, rels = statements.releases(results)
    for fam in data["pick"]["fams"]:
        versions = [v for v, _ in fam[5]]
        family = [r for r in rels if r.family == fam[0]]
        minors = {f"{r.minor[0]}.{r.minor[1]}" for r in family}
        assert minors <= set(versions)
        for r in family:
            if sum(1 for x in family if x.minor == r.minor) > 1:
                assert r.version in versions
        assert fam[7] == "{}.{}".format(*family[-1].minor)


def test_cmd_html_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "index.html"
    assert not page.is_up_to_date(target=target)
    assert page.cmd_html(target=target) == 0
    assert page.is_up_to_date(target=target)
    written = target.read_text(encoding="utf-8")
    assert_same_text(written, page.INDEX_HTML.read_text(encoding="utf-8"), "differs from matrix/index.html")
    assert str(target) in capsys.readouterr().out


def test_cli_html(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from matrix.cli import main

    target = tmp_path / "page.html"
    assert main(["html", "--output", str(target), "--results-dir", str(store.RESULTS_DIR)]) == 0
    written = target.read_text(encoding="utf-8")
    assert_same_text(written, page.INDEX_HTML.read_text(encoding="utf-8"), "differs from matrix/index.html")
    assert f"wrote {target}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("var s = '</script>';", "</script"),
        ("var a = 1; // a line comment\nvar b = 2;", "comments"),
        ("var s = `two\nlines`;", "template"),
    ],
)
def test_static_script_that_would_break_inlined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, refused: str
) -> None:
    (tmp_path / "bad.js").write_text(body, encoding="utf-8")
    monkeypatch.setattr(page, "STATIC", tmp_path)
    with pytest.raises(ValueError, match=refused):
        page.static_text("bad.js", "script")


def test_static_script_with_urls_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.js").write_text(
        'var u = "https://example.org/"; /* see http://x/ */\nvar r = /a\\/\\/b/;\n'
    )
    monkeypatch.setattr(page, "STATIC", tmp_path)
    assert (
        page.static_text("ok.js", "script")
        == 'var u = "https://example.org/"; /* see http://x/ */ var r = /a\\/\\/b/;'
    )
