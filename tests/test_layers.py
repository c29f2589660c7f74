"""The tree's shape, checked: no module imports another package's private names.

The layers themselves (fundapp -> disbursement -> approvals -> ledger -> common) are checked by
import-linter (``lint-imports``, contract in pyproject.toml), run here too so that ``make test``
holds it; import-linter cannot say "no ``_private`` name across packages", so this test does: a
name or module starting with one underscore is private to its package, and what another package
needs is made public.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("common", "ledger", "approvals", "disbursement", "fundapp")


def _private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = list(rel.parts)
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
                is_package = True
            else:
                is_package = False
            yield path, ".".join(parts), is_package


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *(node.module.split(".") if node.module else [])])


def _package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def private_imports_across_packages() -> list[str]:
    found = []
    for path, module, is_package in _modules():
        own = _package_of(module, is_package)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _absolute(module, is_package, node)
                if target.split(".")[0] not in PACKAGES:
                    continue
                # the module's own package (siblings share their privates) is fine
                target_package = target.rpartition(".")[0]
                if target_package == own or target == own:
                    continue
                bad_module = [p for p in target.split(".") if _private(p)]
                bad_names = [a.name for a in node.names if _private(a.name)]
                if bad_module or bad_names:
                    found.append(
                        f"{path.relative_to(ROOT)}:{node.lineno}: from {target} import "
                        + ", ".join(a.name for a in node.names)
                    )
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] in PACKAGES and any(_private(p) for p in parts):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: import {alias.name}")
    return found


def test_no_private_name_is_imported_across_packages():
    assert private_imports_across_packages() == []


def test_the_checker_sees_a_private_import(tmp_path, monkeypatch):
    # given a module that imports another package's private helper
    tree = ast.parse("from ledger.services import _lock_head\n")
    node = tree.body[0]
    # then the absolute form and the private part are what the checker looks at
    assert _absolute("approvals.services.cases", False, node) == "ledger.services"
    assert _private("_lock_head") and not _private("__init__")


def test_the_layers_contract_holds():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(lint).exists():
        pytest.fail("lint-imports is missing: pip install -e '.[dev]' installs import-linter")
    result = subprocess.run(
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_migrations_run_no_live_code_of_ours():
    """A migration is history: it carries its SQL and data frozen beside it and never imports
    today's code of an app (guards, charts, services). It may use ``common.dbguards``' reader of
    frozen SQL files, which only reads and runs what the migration carries."""
    allowed = {"common.dbguards"}
    found = []
    for package in ("ledger", "approvals", "disbursement", "fundapp"):
        for path in sorted((ROOT / package).rglob("migrations/*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                elif isinstance(node, ast.ImportFrom):
                    names = ["." * node.level + (node.module or "")]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if (name.startswith(".") or top in PACKAGES) and name not in allowed:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert found == []
