"""``python -m matrix why PATTERN``: the answer for one platform, in a few lines, offline.

For the platform asked about (default: this interpreter, this OS, its default start method) it
prints each variant's outcome, the exception or hang and its cause, whether that was measured here
or is expected (and the source), then the ``python3 -m reference show`` command of the form to copy.
It reads only the committed records and :mod:`matrix.expectations`, through :mod:`matrix.statements`.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from matrix import render, rows, statements
from matrix.failure_modes import FAILURE_MODES
from matrix.model import ResultsFile
from matrix.plan import Refused
from matrix.rows import PATTERN_IDS, ROW_IDS, START_METHODS
from matrix.statements import Family, Release, Span
from reference._patterns import PATTERNS


@dataclass(frozen=True)
class Question:
    python: str | None = None  # "3.14", "3.13.0", "3.14t" (free-threaded); None: this interpreter
    implementation: str | None = None  # None: this interpreter's
    os: str | None = None  # sys.platform; None: this one
    start_method: str = "default"


def _host_free_threaded() -> bool:
    check = getattr(sys, "_is_gil_enabled", None)
    return check is not None and not check()


Known = Tuple[List[Family], List[Release]]  # statements.releases(results), computed once per caller


def choose(
    question: Question, results: Dict[str, ResultsFile], known: Known | None = None
) -> Tuple[Family, List[Release]]:
    """The family and its releases the question is about; :class:`Refused` (one line) if unknown."""
    fams, rels = known if known is not None else statements.releases(results)
    os_name = question.os or sys.platform
    host_impl = platform.python_implementation().lower()
    impl = question.implementation or host_impl
    wanted = question.python
    ft = wanted.endswith("t") if wanted else (_host_free_threaded() and impl == host_impl)
    if wanted:
        wanted = wanted.rstrip("t")
    fam = next((f for f in fams if (f.os, f.implementation, f.free_threaded) == (os_name, impl, ft)), None)
    if fam is None:
        names = ", ".join(
            f"--os {f.os} --implementation {f.implementation}" + (" --python 3.Nt" if f.free_threaded else "")
            for f in fams
        )
        what = f"{os_name} {impl}" + (" free-threaded" if ft else "")
        raise Refused(f"no measured or expected platform {what}; known: {names}")
    family = [r for r in rels if r.family == fam.id]
    if question.start_method != "default" and all(
        question.start_method not in r.platform.start_methods for r in family
    ):
        raise Refused(
            f"start method {question.start_method!r} is not offered on {fam.label}; "
            f"offered: default, {', '.join(sorted({m for r in family for m in r.platform.start_methods}))}"
        )

    def matching(version: str) -> List[Release]:
        return [r for r in family if r.version == version or r.version.startswith(version + ".")]

    if wanted is not None:
        chosen = matching(wanted)
        if not chosen:
            raise Refused(
                f"no release {wanted} of {fam.label} is measured or expected; "
                f"known: {', '.join(r.version for r in family)}"
            )
        return fam, chosen
    if impl == host_impl and os_name == sys.platform:
        here = platform.python_version()
        exact = matching(here)
        if exact:
            return fam, exact
        same_minor = matching(".".join(here.split(".")[:2]))
        if same_minor:
            return fam, same_minor
    newest = family[-1]
    return fam, [r for r in family if r.minor == newest.minor]


def _where(rels: Sequence[Release]) -> str:
    measured = [r for r in rels if r.source == "measured"]
    if not measured:
        return "expected, not measured (matrix/expectations.py)"
    return "measured " + ", ".join(sorted({r.last_verified or "?" for r in measured}))


def span_line(span: Span, several: bool) -> str:
    """One outcome: what happened, its message or cause, and (expected) the rule and source."""
    text = statements.outcome_text(span)
    text = "✅ ok" if text == "✅" else text
    if several:
        text += f" on {span.label}"
    if span.source == "expected":
        text += " — expected"
        if span.messages:
            text += f" (message contains “{span.messages[0]}”)"
        if span.note:
            text += f": {span.note}"
        if span.cite:
            text += f" <{span.cite}>"
        return text
    if span.outcomes != ("ok",) and span.messages:
        text += f": {span.messages[0]}"
    if span.causes:
        text += f" (cause: {'; '.join(span.causes)})"
    return text


def _method_of(pattern: str, variant: str, method: str, rels: Sequence[Release]) -> str:
    """Rows without a *default* row (set-start-method's) are asked with the default resolved."""
    if method == "default" and (variant, "default") not in render.rows_for(pattern):
        return rels[0].platform.default_start_method
    return method


@dataclass(frozen=True)
class Answer:
    """The answer for one pattern (or failure row) on one platform: what ``why`` prints and the page
    shows (``matrix/views``), so that both say the same."""

    pattern: str
    title: str
    platform: str  # "Linux CPython 3.13.0, 3.13.18, start method default (fork): measured 2026-12-04"
    variants: Tuple[Tuple[str, str], ...]  # (variant, what it does there)
    copy: str | None  # the ``python3 -m reference show`` command of the form to copy (patterns)
    vetted_ok: bool  # the vetted form passes on every release asked about
    remedy: str | None  # failure rows: what to do instead

    def lines(self) -> List[str]:
        out = [f"{self.pattern} ({self.title}) on {self.platform}"]
        out += [f"  {variant:<9} {text}" for variant, text in self.variants]
        if self.copy is not None:
            out.append(f"  copy: {self.copy} > snippet.py && python3 snippet.py")
            if not self.vetted_ok:
                out.append("  (the vetted form does not pass everywhere here: see the line above)")
        if self.remedy is not None:
            out.append(f"  remedy: {self.remedy}")
        return out


NOT_HERE = "— not measured or not offered here"


def explain(
    pattern: str, question: Question, results: Dict[str, ResultsFile], known: Known | None = None
) -> Answer:
    """The answer for one pattern (or failure-mode row); ``known``: the releases, if already computed."""
    if pattern not in ROW_IDS:
        raise Refused(f"unknown pattern {pattern!r}; known: {', '.join(ROW_IDS)}")
    if question.start_method not in START_METHODS:
        raise Refused(f"unknown start method {question.start_method!r}; known: {', '.join(START_METHODS)}")
    fam, rels = choose(question, results, known)
    method = question.start_method
    default = rels[0].platform.default_start_method
    used = f"default ({default})" if method == "default" else method
    versions = ", ".join(r.version for r in rels)
    title = rows.TITLES[pattern][0] if pattern in rows.TITLES else FAILURE_MODES[pattern].title
    index = statements.record_index(rels)
    variants: List[Tuple[str, str]] = []
    vetted_ok = True
    for variant in dict.fromkeys(v for v, _ in render.rows_for(pattern)):
        m = _method_of(pattern, variant, method, rels)
        found = statements.spans(pattern, variant, m, rels, index)
        if not found:
            variants.append((variant, NOT_HERE))
            vetted_ok = vetted_ok and variant != "vetted"
            continue
        several = len(found) > 1
        variants.append((variant, "; ".join(span_line(s, several) for s in found)))
        if variant == "vetted" and any(s.outcomes != ("ok",) for s in found):
            vetted_ok = False
    copy = remedy = None
    # a failure row whose vetted variant measures a form beyond the notes: copy that form
    beyond = (p for p, entry in PATTERNS.items() if entry.row == pattern)
    form = pattern if pattern in PATTERN_IDS else next(beyond, None)
    if form is not None:
        option = "" if method == "default" else f" --start-method {method}"
        copy = f"python3 -m reference show {form}{option}"
    if pattern not in PATTERN_IDS:
        remedy = FAILURE_MODES[pattern].remedy
    platform_text = f"{fam.label} {versions}, start method {used}: {_where(rels)}"
    return Answer(pattern, title, platform_text, tuple(variants), copy, vetted_ok, remedy)


def answer(pattern: str, question: Question, results: Dict[str, ResultsFile]) -> List[str]:
    """The lines of the answer for one pattern (or failure-mode row)."""
    return explain(pattern, question, results).lines()


def answer_all(
    question: Question, results: Dict[str, ResultsFile], patterns: Sequence[str] = PATTERN_IDS
) -> List[str]:
    known = statements.releases(results)
    out: List[str] = []
    for p in patterns:
        out.extend(explain(p, question, results, known).lines())
    return out
