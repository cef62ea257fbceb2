"""Self-contained, runnable scripts cut from the reference modules: what ``show`` prints.

A snippet *is* the tested code: the definitions are located with ``ast`` and copied as source lines
(comments and docstrings included) with everything they use, followed across ``reference`` modules,
and the stdlib imports they need; it imports nothing from ``reference``. What to cut and the
``__main__`` block to run it with are the pattern's recipe (:mod:`reference._recipes`).
"""

from __future__ import annotations

import ast
import importlib.util
import keyword
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Set, Tuple

from reference._patterns import PATTERNS
from reference._recipes import QUICK_TEXT, RECIPES, main_body, variants_of, where

#: Where names the ``__main__`` blocks use are looked up after the pattern's own module.
_MAIN_FALLBACK_MODULES = ("reference._work", "reference.start_method")
#: Stdlib modules a ``__main__`` block may use without the pattern's module importing them.
_MAIN_STDLIB = frozenset({"multiprocessing"})


class SnippetError(Exception):
    """The reference source cannot be turned into a self-contained snippet (e.g. a name clash)."""


# --- Reading the reference modules ---


@dataclass(frozen=True)
class _Import:
    module: str  # "" for ``import name``
    name: str
    asname: str  # the local name
    type_only: bool  # under ``if TYPE_CHECKING:``

    def statement(self) -> str:
        alias = "" if self.asname == self.name else f" as {self.asname}"
        if self.module:
            return f"from {self.module} import {self.name}{alias}"
        return f"import {self.name}{alias}"


@dataclass(frozen=True)
class _Def:
    module: str
    line: int  # first line in the module (identity)
    text: str  # the source: comment lines directly above, decorators, the statement; dedented
    node: ast.stmt
    bound: Tuple[str, ...]  # the names the statement defines
    type_only: bool


def _is_type_checking(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.If) and (
        (isinstance(stmt.test, ast.Name) and stmt.test.id == "TYPE_CHECKING")
        or (isinstance(stmt.test, ast.Attribute) and stmt.test.attr == "TYPE_CHECKING")
    )


def _bound_names(stmt: ast.stmt) -> Tuple[str, ...]:
    """Names a top-level statement defines (a compound statement: its definitions anywhere inside)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (stmt.name,)
    names: List[str] = []
    for node in ast.walk(stmt):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.append(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.extend(a.asname or a.name.split(".")[0] for a in node.names)
    return tuple(dict.fromkeys(names))


def _local_names(node: ast.AST) -> Set[str]:
    """Parameters and assigned names of the functions inside ``node``: never module-level names."""
    local: Set[str] = set()
    for func in ast.walk(node):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = func.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            local.update(a.arg for a in every if a is not None)
            for sub in ast.walk(func):
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    local.add(sub.id)
    return local


class _Source:
    """One reference module: its top-level definitions and imports, by local name."""

    def __init__(self, module: str) -> None:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise SnippetError(f"cannot find the source of {module}")
        text = Path(spec.origin).read_text(encoding="utf-8")
        self.module = module
        self.lines = text.splitlines()
        self.defs: Dict[str, _Def] = {}
        self.imports: Dict[str, _Import] = {}
        for stmt in ast.parse(text).body:
            if _is_type_checking(stmt):
                assert isinstance(stmt, ast.If)
                for inner in stmt.body:
                    self._add(inner, type_only=True)
            else:
                self._add(stmt, type_only=False)

    def _add(self, stmt: ast.stmt, *, type_only: bool) -> None:
        if isinstance(stmt, ast.Import):
            for a in stmt.names:
                local = a.asname or a.name.split(".")[0]
                self.imports[local] = _Import("", a.name, a.asname or a.name, type_only)
        elif isinstance(stmt, ast.ImportFrom):
            if stmt.level or stmt.module is None:
                raise SnippetError(f"{self.module}: relative imports are not supported")
            for a in stmt.names:
                self.imports[a.asname or a.name] = _Import(stmt.module, a.name, a.asname or a.name, type_only)
        elif isinstance(
            stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
        ) or (type_only and not isinstance(stmt, ast.Expr)):
            d = _Def(self.module, stmt.lineno, self._text(stmt), stmt, _bound_names(stmt), type_only)
            for name in d.bound:
                self.defs[name] = d

    def _text(self, stmt: ast.stmt) -> str:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        while first > 1 and self.lines[first - 2].lstrip().startswith("#"):
            first -= 1  # the comment lines directly above belong to the definition
        last = stmt.end_lineno if stmt.end_lineno is not None else stmt.lineno
        return textwrap.dedent("\n".join(self.lines[first - 1 : last]))


def _used_names(node: ast.AST) -> List[str]:
    """Names ``node`` reads, in source order (string annotations are not followed: the reference
    modules use ``from __future__ import annotations``, and the snippets' mypy test would catch one)."""
    found = [
        (n.lineno, n.col_offset, n.id)
        for n in ast.walk(node)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    ]
    local = _local_names(node)
    return list(dict.fromkeys(name for _, _, name in sorted(found) if name not in local))


def _import_sort_key(name: str) -> Tuple[int, str]:
    """isort's (and ruff's) order-by-type: CONSTANTS, then Classes, then functions."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


# --- Building a snippet ---


class _Builder:
    def __init__(self, package: str = "reference") -> None:
        self.package = package  # imports from this package are inlined
        self.sources: Dict[str, _Source] = {}
        self.visited: Set[Tuple[str, int]] = set()
        self.defs: List[_Def] = []
        self.def_texts: Dict[str, str] = {}  # name -> source text of its definition
        self.imports: Dict[str, _Import] = {}  # local name -> import
        self.modules: List[str] = []  # the reference modules used, in order of first use

    def source(self, module: str) -> _Source:
        if module not in self.sources:
            self.sources[module] = _Source(module)
        return self.sources[module]

    def resolves(self, module: str, name: str) -> bool:
        src = self.source(module)
        return name in src.defs or name in src.imports

    def inlined(self, module: str) -> bool:
        return module == self.package or module.startswith(self.package + ".")

    def need(self, module: str, name: str) -> None:
        """Include ``name`` as ``module`` sees it: its definition (and what it uses) or its import."""
        src = self.source(module)
        if name in src.defs:
            self._include(src.defs[name])
        elif name in src.imports:
            imp = src.imports[name]
            if self.inlined(imp.module):
                if imp.asname != imp.name:
                    raise SnippetError(f"{module}: renamed import of {imp.module}.{imp.name}")
                self.need(imp.module, imp.name)
            elif not self.inlined(imp.name):
                self._import(imp)
            else:
                raise SnippetError(f"{module}: `import {imp.name}`: use `from ... import name`")
        # anything else is a builtin or a local name

    def _import(self, imp: _Import) -> None:
        old = self.imports.get(imp.asname)
        if old is None or (old.type_only and not imp.type_only):
            if old is not None and (old.module, old.name) != (imp.module, imp.name):
                raise SnippetError(f"import clash: {old.statement()} / {imp.statement()}")
            self.imports[imp.asname] = imp
        elif (old.module, old.name) != (imp.module, imp.name):
            raise SnippetError(f"import clash: {old.statement()} / {imp.statement()}")

    def _include(self, d: _Def) -> None:
        key = (d.module, d.line)
        if key in self.visited:
            return
        self.visited.add(key)
        if d.module not in self.modules:
            self.modules.append(d.module)
        clashes = [n for n in d.bound if n in self.def_texts and self.def_texts[n] != d.text]
        if clashes:
            raise SnippetError(f"{d.module}: {', '.join(clashes)} defined differently elsewhere")
        if d.bound and all(n in self.def_texts for n in d.bound):
            return  # the same definition from another module (e.g. T = TypeVar("T"))
        for name in _used_names(d.node):
            if name not in d.bound or not d.type_only:
                self.need(d.module, name)
        for name in d.bound:
            self.def_texts[name] = d.text
        self.defs.append(d)

    def render(self, header: List[str], main: str) -> str:
        clashes = sorted(set(self.imports) & set(self.def_texts))
        if clashes:
            raise SnippetError(f"names both imported and defined: {', '.join(clashes)}")
        runtime = [i for i in self.imports.values() if not i.type_only]
        type_only = [i for i in self.imports.values() if i.type_only]
        type_defs = [d for d in self.defs if d.type_only]
        if type_only or type_defs:
            self._import(_Import("typing", "TYPE_CHECKING", "TYPE_CHECKING", False))
            runtime = [i for i in self.imports.values() if not i.type_only]
        out = [*header, "", "from __future__ import annotations", ""]
        out.extend(self._import_lines(runtime))
        if type_only or type_defs:
            out += ["", "if TYPE_CHECKING:"]
            block = self._import_lines(type_only) + ([""] if type_only and type_defs else [])
            block += [d.text for d in type_defs]
            out.extend(textwrap.indent(text, "    ") for text in block)
        previous: _Def | None = None
        for d in (d for d in self.defs if not d.type_only):
            assignment = isinstance(d.node, (ast.Assign, ast.AnnAssign))
            if previous is None:  # after the imports: isort's one blank line before a statement
                out += [""] if assignment else ["", ""]
            elif not (assignment and isinstance(previous.node, (ast.Assign, ast.AnnAssign))):
                out += ["", ""]  # consecutive assignments (T = TypeVar("T"); R = ...) stay together
            out.append(d.text)
            previous = d
        out += ["", "", 'if __name__ == "__main__":', textwrap.indent(main.rstrip("\n"), "    ")]
        return "\n".join(out) + "\n"

    @staticmethod
    def _import_lines(imports: List[_Import]) -> List[str]:
        plain = sorted((i for i in imports if not i.module), key=lambda i: i.name)
        lines = [i.statement() for i in plain]
        by_module: Dict[str, List[_Import]] = {}
        for i in imports:
            if i.module:
                by_module.setdefault(i.module, []).append(i)
        for module in sorted(by_module):
            names = sorted(by_module[module], key=lambda i: _import_sort_key(i.name))
            parts = [i.name if i.asname == i.name else f"{i.name} as {i.asname}" for i in names]
            lines.append(f"from {module} import {', '.join(parts)}")
        return lines


def _header(
    pattern: str, variant: str, start_method: str | None, quick: bool, modules: List[str]
) -> List[str]:
    p = PATTERNS[pattern]
    files = [m.replace(".", "/") + ".py" for m in modules]
    if variant == "exact":
        text = [
            f"{pattern}, exact: the notes' form, verbatim ({p.title}). Do not copy it: "
            f"copy the vetted form (`python -m reference show {pattern}`).",
            f"Where it works: {where(pattern, variant)}.",
        ]
    else:
        text = [
            f"{pattern}, vetted: {p.title}. Copy `{p.copy}`.",
            f"Where: {where(pattern, variant)}.",
        ]
    if start_method is not None:
        text.append(f"Start method: {start_method}.")
    if quick:
        text.append(f"--quick: counts and intervals shrunk ({QUICK_TEXT}).")
    text.append(f"Tested code: {', '.join(files)}; Python 3.8+, stdlib only.")
    lines = ["#!/usr/bin/env python3"]
    for paragraph in text:
        lines.extend(textwrap.wrap(paragraph, 108, initial_indent="# ", subsequent_indent="#   "))
    return lines


def build(
    pattern: str, variant: str = "vetted", start_method: str | None = None, *, quick: bool = False
) -> str:
    """The complete script for ``pattern``/``variant``: definitions, imports and a ``__main__`` block.

    ``start_method`` (``None``: the interpreter's default) is passed to the vetted functions; the
    exact forms (and the thread-only pattern) set it with ``multiprocessing.set_start_method``
    under the guard, as the notes do.
    """
    if pattern not in RECIPES:
        raise KeyError(pattern)
    if variant not in RECIPES[pattern]:
        raise SnippetError(f"{pattern} has no {variant} form: choose {' or '.join(variants_of(pattern))}")
    recipe = RECIPES[pattern][variant]
    module = PATTERNS[pattern].module
    builder = _Builder()
    for name in recipe.names:
        if not builder.resolves(module, name):
            raise SnippetError(f"{module} has no {name}")
        builder.need(module, name)
    body = main_body(pattern, variant, start_method, quick=quick)
    tree = ast.parse(body)
    local = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    for name in _used_names(tree):
        if name in local or keyword.iskeyword(name):
            continue
        home = next((m for m in (module, *_MAIN_FALLBACK_MODULES) if builder.resolves(m, name)), None)
        if home is not None:
            builder.need(home, name)
        elif name in _MAIN_STDLIB:
            builder._import(_Import("", name, name, False))
    header = _header(pattern, variant, start_method, quick, builder.modules)
    return builder.render(header, body)
