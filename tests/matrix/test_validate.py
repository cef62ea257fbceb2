"""Results files are untrusted input: hostile and malformed files are refused by the one validator
(matrix/validate.py) in ``merge``, ``check``, ``render`` and ``run``, with one line naming the file and
the field; nothing is written for them, nothing outside the results directory, and the committed
matrix (matrix/results, README.md, index.html) never changes."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matrix import cli, platforms, render, store, validate
from matrix.interpreters import results_filename
from matrix.model import ResultsError

SAMPLE = store.results_files()[0]
REPO_MATRIX = store.PACKAGE_DIR


def sample_json() -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return data


def tracked_state() -> Dict[str, str]:
    """Digest of every committed matrix file a command could overwrite."""
    paths = [*store.results_files(), REPO_MATRIX / "README.md", REPO_MATRIX / "index.html"]
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def tree(root: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def setup(root: Path, incoming: bytes) -> Dict[str, Path]:
    """root/results (a copy of SAMPLE), root/in/x.json (``incoming``), root/out (the tables)."""
    paths = {"results": root / "results", "in": root / "in", "out": root / "out"}
    for p in paths.values():
        p.mkdir(parents=True)
    shutil.copy(str(SAMPLE), str(paths["results"] / SAMPLE.name))
    (paths["in"] / "x.json").write_bytes(incoming)
    return paths


def main(*argv: str) -> int:
    return cli.main(list(argv))


# ---------------------------------------------------------------------------
# The probes of issue 14, section 2
# ---------------------------------------------------------------------------


def with_version(version: str) -> bytes:
    data = sample_json()
    data["facts"]["version"] = version
    for rec in data["records"]:
        rec["version"] = version
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "version",
    ["3.12.1/../../../escaped", "x/../linux-cpython-3.11.7", "3", "3.12", "3.12.1t", "03.1.1", "3.12.1\n"],
)
def test_a_hostile_version_is_refused_and_nothing_is_written(
    tmp_path: Path, version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before, repo = tree(tmp_path), tracked_state()
    paths = setup(tmp_path / "w", with_version(version))
    results_before = tree(paths["results"])
    rc = main("merge", str(paths["in"]), "--results-dir", str(paths["results"]), "--no-render")
    err = capsys.readouterr().err
    assert rc == 1
    assert "field 'facts.version'" in err
    assert str(paths["in"] / "x.json") in err
    assert tree(paths["results"]) == results_before
    assert {k for k in tree(tmp_path) if not k.startswith("w/")} == set(before)
    assert tracked_state() == repo


def test_a_renamed_file_cannot_stand_in_for_another_platform(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose name is not the one its facts give is refused by check and render."""
    results = tmp_path / "results"
    results.mkdir()
    shutil.copy(str(SAMPLE), str(results / "linux-cpython-3.11.7-9fb479f0.json"))
    out = tmp_path / "README.md"
    assert main("render", "--results-dir", str(results), "--readme", str(out)) == 1
    err = capsys.readouterr().err
    assert f"these facts belong in {SAMPLE.name}" in err
    assert not out.exists()


def test_invalid_utf8_names_file_and_offset_and_the_others_are_still_merged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = SAMPLE.read_bytes()
    bad = good[:100] + b"\xff\xfe" + good[100:]
    paths = setup(tmp_path, bad)
    shutil.rmtree(str(paths["results"]))
    paths["results"].mkdir()
    (paths["in"] / "y.json").write_bytes(good)
    rc = main("merge", str(paths["in"]), "--results-dir", str(paths["results"]), "--no-render")
    captured = capsys.readouterr()
    assert rc == 1
    assert f"{paths['in'] / 'x.json'}: field '<file>': not UTF-8: byte 0xff at offset 100" in captured.err
    assert f"added: {paths['in'] / 'y.json'} -> {SAMPLE.name}" in captured.out
    assert (paths["results"] / SAMPLE.name).read_bytes() == good
    # check and render name it in one line too (no traceback)
    (paths["results"] / SAMPLE.name).write_bytes(bad)
    for command in ("check", "render"):
        assert (
            main(command, "--results-dir", str(paths["results"]), "--readme", str(paths["out"] / "R.md")) == 1
        )
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert "offset 100" in err
    assert list(paths["out"].iterdir()) == []


def test_size_limits(tmp_path: Path) -> None:
    data = sample_json()
    data["records"][0]["message"] = "x" * (validate.MAX_TEXT_CHARS + 1)
    with pytest.raises(ResultsError, match=r"records\[0\]\.message.*more than the limit of 2,000"):
        validate.parse_bytes(json.dumps(data).encode(), "f")
    huge = json.dumps(sample_json()).encode() + b" " * validate.MAX_FILE_BYTES
    with pytest.raises(ResultsError, match="more than the limit of 1,000,000"):
        validate.parse_bytes(huge, "f")
    (tmp_path / "big.json").write_bytes(b" " * (50 * 1024 * 1024))
    with pytest.raises(ResultsError, match="more than the limit"):
        validate.read(tmp_path / "big.json")


#: A ``wrong`` cell as the runner makes it (matrix/runner.py): exit 0, no exception, what it got.
WRONG = {"outcome": "wrong", "message": "expected 40, got 4", "exception": None, "exit_code": 0}


def mutate(change: Callable[[Dict[str, Any]], None]) -> Dict[str, Any]:
    data = sample_json()
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "field"),
    [
        # the appended duplicate is the last record: its index is the sample's record count
        (
            lambda d: d["records"].append(dict(d["records"][0], outcome="crash")),
            f"records[{len(sample_json()['records'])}]",
        ),
        (lambda d: d["facts"].update(version="3.12.2"), "records[0].version"),
        (lambda d: d["facts"].update(implementation="jython"), "facts.implementation"),
        (lambda d: d["records"][1].update(outcome="fine"), "records[1].outcome"),
        # wrong: the program exited 0, with no exception of its own, and said what it got
        (lambda d: d["records"][1].update(outcome="wrong"), "records[1].message"),
        (lambda d: d["records"][1].update(WRONG, exit_code=1), "records[1].message"),
        (lambda d: d["records"][1].update(WRONG, exception="x.Y"), "records[1].exception"),
        (lambda d: d["records"][1].update(WRONG, detection="deadline"), "records[1].detection"),
        (lambda d: d["records"][1].update(exception="`x` <b>"), "records[1].exception"),
        (lambda d: d["facts"]["os"].update(platform="../x"), "facts.os.platform"),
        (lambda d: d["facts"].update(default_start_method="<script>"), "facts.default_start_method"),
        (lambda d: d["facts"].update(error="cannot start"), "facts.error"),
        (lambda d: d["records"][0].update(gil=None), "records[0].gil"),
    ],
)
def test_check_refuses_inconsistent_files(
    tmp_path: Path, change: Callable[[Dict[str, Any]], None], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    results = tmp_path / "results"
    results.mkdir()
    data = mutate(change)
    name = SAMPLE.name
    (results / name).write_text(json.dumps(data), encoding="utf-8")
    rc = main("check", "--results-dir", str(results), "--readme", str(tmp_path / "README.md"))
    err = capsys.readouterr().err
    assert rc == 1
    assert f"field {field!r}" in err, err
    assert err.count("\n") == 1


def test_duplicate_json_keys_are_refused() -> None:
    text = SAMPLE.read_text(encoding="utf-8").replace('"complete": ', '"complete": false, "complete": ', 1)
    with pytest.raises(ResultsError, match="duplicate key 'complete'"):
        validate.parse_bytes(text.encode(), "f")


def test_target_path_stays_inside(tmp_path: Path) -> None:
    rf = store.read_results(SAMPLE)
    assert validate.target_path(tmp_path, rf) == tmp_path / results_filename(rf.facts)


def test_html_in_messages_is_escaped_in_markdown() -> None:
    assert render.escape("<script>alert(1)</script> a|b &amp;\nx") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; a\\|b &amp;amp; x"
    )
    rf = store.read_results(SAMPLE)
    first = rf.records[0]
    hostile = dataclasses.replace(
        first,
        outcome="error",
        exception="builtins.RuntimeError",
        message="<img src=x onerror=alert(1)>",
        cause="builtins.EOFError",
        cause_message="<b>child</b>",
    )
    text = platforms.render_platform(SAMPLE.name, dataclasses.replace(rf, records=[hostile, *rf.records[1:]]))
    assert "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<b>" not in text
    assert "&lt;b&gt;child&lt;/b&gt;" in text


# ---------------------------------------------------------------------------
# Output paths: the committed tables are written only from the committed results
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["render", "check", "run", "merge"])
def test_a_typo_results_dir_is_an_error(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tracked_state()
    extra = [str(SAMPLE)] if command == "merge" else []
    assert main(command, *extra, "--results-dir", "matrix/resluts") == 2
    assert "matrix/resluts" in capsys.readouterr().err
    assert tracked_state() == repo


@pytest.mark.parametrize("command", ["render", "run", "merge", "html"])
def test_another_results_dir_needs_an_explicit_destination(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tracked_state()
    extra = [str(SAMPLE)] if command == "merge" else []
    assert main(command, *extra, "--results-dir", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "--readme" in err or "--output" in err
    assert tracked_state() == repo
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------
# Properties: any hostile incoming file
# ---------------------------------------------------------------------------

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(["../x", "3.12.1/../../x", "x/../linux-cpython-3.11.7", "<script>", "3", ""]),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
)


def paths_of(data: object, prefix: Tuple[Any, ...] = ()) -> List[Tuple[Any, ...]]:
    out: List[Tuple[Any, ...]] = [prefix]
    if isinstance(data, dict):
        for k, v in data.items():
            out += paths_of(v, (*prefix, k))
    elif isinstance(data, list):
        for i, v in enumerate(data[:3]):
            out += paths_of(v, (*prefix, i))
    return out


@st.composite
def hostile_files(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["field", "field", "field", "bytes", "truncate"]))
    raw = SAMPLE.read_bytes()
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "truncate":
        cut = draw(st.integers(min_value=0, max_value=len(raw)))
        junk = draw(st.binary(max_size=8))
        return raw[:cut] + junk
    data = sample_json()
    where = draw(st.sampled_from(paths_of(data)))
    value = draw(JSON_VALUES)
    if not where:
        return json.dumps(value).encode()
    parent: Any = data
    for step in where[:-1]:
        parent = parent[step]
    parent[where[-1]] = value
    if draw(st.booleans()) and where[0] == "facts" and where[-1] in ("version", "build", "implementation"):
        for rec in data["records"]:  # keep the records consistent: only the facts' value is hostile
            rec[where[-1]] = copy.deepcopy(value)
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(incoming=hostile_files())
def test_hostile_files_never_escape_or_touch_the_committed_matrix(incoming: bytes) -> None:
    repo = tracked_state()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        outside = root / "outside"
        outside.mkdir()
        paths = setup(outside / "w", incoming)  # results two levels below root: room to escape into
        readme = paths["out"] / "README.md"
        loc = ["--results-dir", str(paths["results"]), "--readme", str(readme)]
        pristine = tree(paths["results"])
        rc = main("merge", str(paths["in"]), *loc, "--no-render")
        assert rc in (0, 1)
        for stored in paths["results"].iterdir():
            validate.read_stored(stored)  # whatever was stored is valid, and named by its facts
        if tree(paths["results"]) != pristine:  # accepted: what check and render make of it
            assert main("check", *loc) in (0, 1)
            assert main("render", *loc) == 0
        written = set(tree(root))
        allowed = ("results/", "in/", "out/")
        assert all(any(k.startswith("outside/w/" + a) for a in allowed) for k in written), written
        assert {p.name for p in paths["out"].iterdir()} <= {"README.md", "index.html"}
    assert tracked_state() == repo
