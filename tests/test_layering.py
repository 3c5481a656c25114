"""The shape of the package: no import cycle, modules of a readable size, packages that say
what they own, and setup.cfg installing every one of them."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import pytest

from tests.conftest import ROOT

MAX_LINES = 450  # issue 28: no module over 450 lines, no exception


def _modules() -> dict[str, Path]:
    """Installed module name -> file, for seqnlp/ and cli/ (installed as seqnlp.cli)."""
    found = {}
    for top, package in ((ROOT / "seqnlp", "seqnlp"), (ROOT / "cli", "seqnlp.cli")):
        for path in top.rglob("*.py"):
            parts = list(path.relative_to(top).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([package, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The seqnlp modules ``name`` imports anywhere: at the top, in functions, and under
    ``TYPE_CHECKING`` (a type-only import still fails when made real)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in MODULES else base)
    return {t for t in targets if t in MODULES and t != name}


def test_no_import_cycle_inside_seqnlp():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                cycle = stack[stack.index(target) :] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_the_cycle_finder_sees_function_level_and_type_only_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from seqnlp.tagger.model import Tagger\n"
        "def f():\n    from seqnlp import serialization\n"
    )
    assert _imports("seqnlp.x", path) == {"seqnlp.tagger.model", "seqnlp.serialization"}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size_and_docstring(name):
    path = MODULES[name]
    text = path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert docstring, f"{path} has no docstring saying what it owns"
    lines = text.count("\n")
    assert lines <= MAX_LINES, (
        f"{path}: {lines} lines; split it along a concept (at most {MAX_LINES})"
    )


def test_setup_cfg_installs_every_package():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    packages.add("seqnlp.data")
    assert listed == packages


SIBLINGS = ("seqnlp.tagger", "seqnlp.sentiment")  # both sit on the embeddings layer


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize("package, sibling", [SIBLINGS, SIBLINGS[::-1]])
def test_the_tagger_and_sentiment_packages_do_not_import_each_other(package, sibling):
    found = {
        f"{name} -> {target}"
        for name, path in MODULES.items()
        if _inside(name, package)
        for target in _imports(name, path)
        if _inside(target, sibling)
    }
    assert not found, f"{package} imports {sibling}: {sorted(found)}"
