"""Statements with version ranges: what a cell does across the releases of a platform family.

One :class:`Statement` per (row, variant, start method, family), where a *family* is an OS x
implementation (x free-threaded build): "Linux CPython", "Linux PyPy", "macOS CPython", ... Its
:class:`Span` list is the runs of consecutive releases with the same outcome and exception, e.g.
``✅ 3.6–3.13 · ❌ _pickle.PicklingError 3.14–3.15``. Derived only from the measured records
(``matrix/results/*.json``) and, for the families not measured here, the cited rules of
:mod:`matrix.expectations` evaluated per minor version ("expected, not measured").

How the version labels read (no interpolation): a minor version (``3.13``) stands for every
measured release of it, and is written as a release (``3.13.0``) when its releases differ; a range
``3.6–3.12`` only joins releases that were all measured, with no minor version missing between
them; ``3.9, 3.11`` says 3.10 was not measured. Where the expectations know why the outcome moved
at a span's first release (a different rule, or a new default start method), the span carries
that change and its link.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from matrix import cases, expectations
from matrix.model import Record, ResultsFile

OS_NAMES: Dict[str, str] = {"linux": "Linux", "darwin": "macOS", "win32": "Windows"}
IMPL_NAMES: Dict[str, str] = {"cpython": "CPython", "pypy": "PyPy"}
ICON: Dict[str, str] = {
    "ok": "✅",
    "error": "❌",
    "hang": "⏳",
    "crash": "💥",
    "unsupported": "🚫",
    "wrong": "❗",
}
WORD: Dict[str, str] = {
    "ok": "ok",
    "error": "error",
    "hang": "hang",
    "crash": "crash",
    "unsupported": "not run",
    "wrong": "wrong result",
}
#: Why a default start method changed, per (OS, new default): the link shown at that change point.
DEFAULT_CHANGES: Dict[Tuple[str, str], str] = {
    ("linux", "forkserver"): expectations.GH_84559,
    ("darwin", "spawn"): expectations.WHATSNEW_38,
}


@dataclass(frozen=True)
class Family:
    """A column of the tables: releases of one OS x implementation (x free-threaded build)."""

    id: str  # "linux-cpython", "linux-cpython-ft", "darwin-cpython", ...
    label: str  # "Linux CPython"
    os: str
    implementation: str
    free_threaded: bool


@dataclass(frozen=True)
class Release:
    """One point of a family: a measured results file, or an expected (not measured) minor version."""

    family: str
    version: str  # "3.13.18" (measured) or "3.14" (expected)
    source: str  # "measured" | "expected"
    platform: expectations.Platform
    name: str  # results file name, or the expected platform's label
    last_verified: str | None = None  # the date of the file's newest run (measured only)
    results: ResultsFile | None = None

    @property
    def key(self) -> Tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", self.version))

    @property
    def minor(self) -> Tuple[int, int]:
        return (self.key[0], self.key[1])


@dataclass(frozen=True)
class Point:
    """What one cell does on one release."""

    outcomes: Tuple[str, ...]  # measured: one; expected: the rule's (maybe "error or hang")
    exception: str | None
    message: str | None  # measured: the message; expected: the fragment it must contain
    cause: str | None  # the children's exception and message (measured, when recorded)
    resolved: str  # the start method used
    rule: expectations.Rule | None  # the first applicable cited rule


@dataclass(frozen=True)
class Span:
    """Consecutive releases of a family where a cell has the same outcome and exception."""

    source: str  # "measured" | "expected"
    outcomes: Tuple[str, ...]
    exception: str | None
    versions: Tuple[str, ...]  # the releases, in order
    label: str  # "3.6–3.12", "3.13.0", "3.9, 3.11"
    messages: Tuple[str, ...] = ()
    causes: Tuple[str, ...] = ()
    cite: str | None = None  # expected: the rule's source; measured: the rule the records agree with
    note: str | None = None  # expected: the rule's text
    change: Tuple[str, str] | None = None  # (why the outcome moved here, its link)


@dataclass(frozen=True)
class Statement:
    pattern: str
    variant: str
    start_method: str
    family: str
    spans: Tuple[Span, ...]
    last_verified: str | None  # newest run date among the measured releases it covers


def family_of(os_name: str, implementation: str, gil: bool | None) -> Family:
    ft = gil is False
    label = f"{OS_NAMES.get(os_name, os_name)} {IMPL_NAMES.get(implementation, implementation)}"
    fid = f"{os_name}-{implementation}" + ("-ft" if ft else "")
    return Family(fid, label + (" free-threaded" if ft else ""), os_name, implementation, ft)


def expected_versions(exp: expectations.ExpectedPlatform) -> List[Tuple[int, int]]:
    """The minor versions an expected platform's label names: "3.9–3.14" or "3.13t"."""
    found = [(int(a), int(b)) for a, b in re.findall(r"(\d+)\.(\d+)", exp.label)]
    if len(found) == 2:
        return [(found[0][0], m) for m in range(found[0][1], found[1][1] + 1)]
    return found[:1] or [exp.platform.version]


def releases(results: Dict[str, ResultsFile]) -> Tuple[List[Family], List[Release]]:
    """The families (measured first) and every release, measured or expected, in version order."""
    fams: Dict[str, Family] = {}
    out: List[Release] = []
    for name, rf in sorted(results.items()):
        f = rf.facts
        if f.error is not None:
            continue
        fam = family_of(f.os.platform, f.implementation, f.gil)
        fams.setdefault(fam.id, fam)
        plat = expectations.Platform(
            f.os.platform,
            f.implementation,
            expectations.version_of(f.version),
            f.gil,
            f.default_start_method or "",
            tuple(f.start_methods),
        )
        out.append(Release(fam.id, f.version, "measured", plat, name, rf.measured_at[:10], rf))
    for exp in expectations.EXPECTED_PLATFORMS:
        p = exp.platform
        fam = family_of(p.os, p.implementation, p.gil)
        fams.setdefault(fam.id, fam)
        for v in expected_versions(exp):
            version = f"{v[0]}.{v[1]}"
            if any(r.family == fam.id and r.minor == v for r in out):
                continue  # measured here: the records say it
            out.append(Release(fam.id, version, "expected", dataclasses.replace(p, version=v), exp.label))
    out.sort(key=lambda r: (r.family, r.key))
    return list(fams.values()), out


def cause_text(rec: Record) -> str | None:
    """The children's exception and message (``builtins.RuntimeError: An attempt ...``), if any."""
    if rec.cause is None:
        return None
    return f"{rec.cause}: {rec.cause_message}" if rec.cause_message else rec.cause


def point(rel: Release, pattern: str, variant: str, method: str, rec: Record | None) -> Point | None:
    """The cell on one release; None: not measured there, or the start method is not offered."""
    plat = rel.platform
    if method != "default" and method not in plat.start_methods:
        return None
    rule = expectations.expectation(plat, pattern, variant, method)
    resolved = plat.default_start_method if method == "default" else method
    if rel.source == "measured":
        if rec is None:
            return None
        return Point((rec.outcome,), rec.exception, rec.message, cause_text(rec), resolved, rule)
    if rule is None:
        return None
    return Point(rule.outcomes, rule.exception, rule.message, rule.cause, resolved, rule)


def version_label(chosen: Sequence[Release], family: Sequence[Release]) -> str:
    """The label of ``chosen`` (consecutive releases of ``family``): see the module docstring."""
    tokens: List[Tuple[Tuple[int, int], str]] = []
    for rel in chosen:
        same_minor = [r for r in family if r.minor == rel.minor]
        whole = all(r in chosen for r in same_minor)
        text = f"{rel.minor[0]}.{rel.minor[1]}" if whole else rel.version
        if not tokens or tokens[-1][1] != text:
            tokens.append((rel.minor, text))
    pieces: List[List[Tuple[Tuple[int, int], str]]] = []
    for tok in tokens:
        if pieces and (tok[0][1] - pieces[-1][-1][0][1]) in (0, 1) and tok[0][0] == pieces[-1][-1][0][0]:
            pieces[-1].append(tok)
        else:
            pieces.append([tok])
    return ", ".join(p[0][1] if len(p) == 1 else f"{p[0][1]}–{p[-1][1]}" for p in pieces)


def _unique(items: Sequence[str | None]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(x for x in items if x))


def _change(prev: Tuple[Release, Point], new: Tuple[Release, Point]) -> Tuple[str, str] | None:
    """Why the outcome moved between two releases, when the expectations know it."""
    (_, p), (rel2, p2) = prev, new
    if "unsupported" in p.outcomes + p2.outcomes:
        return None  # not run (the reference needs 3.8+): not a change of behaviour
    if p.resolved != p2.resolved:
        url = DEFAULT_CHANGES.get((rel2.platform.os, p2.resolved))
        if url is not None:
            return (f"the default start method became {p2.resolved}", url)
    if p2.rule is not None and p2.rule != p.rule and is_change_link(p2.rule.cite):
        return (p2.rule.note, p2.rule.cite)
    return None


def is_change_link(url: str) -> bool:
    """A CPython change (an issue, a PEP, What's New), not a documentation page."""
    return "/issues/" in url or "peps.python.org" in url or "/whatsnew/" in url


def spans(
    pattern: str,
    variant: str,
    method: str,
    family: Sequence[Release],
    index: Dict[str, Dict[Tuple[str, str, str], Record]],
) -> List[Span]:
    """The runs of ``family``'s releases (in version order) with the same outcome and exception."""
    runs: List[List[Tuple[Release, Point]]] = []
    last: Tuple[str, Tuple[str, ...], str | None] | None = None
    for rel in family:
        rec = index.get(rel.name, {}).get((pattern, variant, method))
        pt = point(rel, pattern, variant, method, rec)
        if pt is None:
            last = None  # a gap: the runs on either side are not joined
            continue
        key = (rel.source, pt.outcomes, pt.exception)
        if key != last:
            runs.append([])
        runs[-1].append((rel, pt))
        last = key
    out: List[Span] = []
    for i, run in enumerate(runs):
        rels = [r for r, _ in run]
        pts = [p for _, p in run]
        first = pts[0]
        change = _change(runs[i - 1][-1], run[0]) if i else None
        expected = rels[0].source == "expected"
        out.append(
            Span(
                rels[0].source,
                first.outcomes,
                first.exception,
                tuple(r.version for r in rels),
                version_label(rels, family),
                _unique([p.message for p in pts]),
                _unique([p.cause for p in pts]),
                first.rule.cite if first.rule is not None else None,
                first.rule.note if expected and first.rule is not None else None,
                change,
            )
        )
    return out


def record_index(rels: Sequence[Release]) -> Dict[str, Dict[Tuple[str, str, str], Record]]:
    return {
        r.name: {(x.pattern, x.variant, x.start_method): x for x in r.results.records}
        for r in rels
        if r.results is not None
    }


def statement(
    pattern: str,
    variant: str,
    method: str,
    fam: Family,
    rels: Sequence[Release],
    *,
    index: Dict[str, Dict[Tuple[str, str, str], Record]] | None = None,
) -> Statement:
    family = [r for r in rels if r.family == fam.id]
    found = spans(pattern, variant, method, family, index if index is not None else record_index(family))
    covered = {v for s in found for v in s.versions}
    dates = [r.last_verified for r in family if r.version in covered and r.last_verified]
    return Statement(pattern, variant, method, fam.id, tuple(found), max(dates) if dates else None)


def all_statements(results: Dict[str, ResultsFile]) -> Tuple[List[Family], List[Release], List[Statement]]:
    """Every statement, in table order (rows of :func:`matrix.cases.every_cell`, then families)."""
    fams, rels = releases(results)
    index = record_index(rels)
    out = [statement(p, v, m, fam, rels, index=index) for p, v, m in cases.every_cell() for fam in fams]
    return fams, rels, out


def short_type(exc: str | None) -> str:
    if not exc:
        return ""
    return exc[len("builtins.") :] if exc.startswith("builtins.") else exc


def cite_name(url: str) -> str:
    """A short name for a citation: ``gh-84559``, ``pep-563``, ``whatsnew-3.14``, ``docs-pickle``."""
    m = re.search(r"/issues/(\d+)$", url)
    if m:
        return f"gh-{m.group(1)}"
    m = re.search(r"pep-0*(\d+)", url)
    if m:
        return f"pep-{m.group(1)}"
    m = re.search(r"whatsnew/(\d+\.\d+)", url)
    if m:
        return f"whatsnew-{m.group(1)}"
    path, _, anchor = url.partition("#")
    page = path.rsplit("/", 1)[-1].replace(".html", "")
    page = {"multiprocessing": "mp", "concurrent.futures": "futures"}.get(page, page)
    skip = ("the", "and", "term", "multiprocessing", "pool", "concurrent", "futures", "can", "be")
    words = [w for w in re.split(r"[-._]", anchor) if w and w not in skip][-3:]
    # a source file of another project than CPython (PyPy's resource_tracker.py) says whose it is
    owner = re.search(r"github\.com/([^/]+)/[^/]+/blob/", url)
    if owner and owner.group(1) != "python":
        page = f"{owner.group(1)}-{page}"
    return "docs-" + "-".join([page, *words])


def outcome_text(span: Span) -> str:
    """``❌ _pickle.PicklingError``, ``⏳ hang``, ``✅``, ``❌/⏳ error or hang``: no markup."""
    icon = "/".join(ICON[o] for o in span.outcomes)
    if span.exception and any(o in ("error", "hang") for o in span.outcomes):
        word = short_type(span.exception)
        if span.outcomes == ("hang",):
            word = f"hang ({word})"
    elif span.outcomes == ("ok",):
        return icon
    else:
        word = " or ".join(WORD[o] for o in span.outcomes)
    return f"{icon} {word}"
