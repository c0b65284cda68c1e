"""The import contract in pyproject.toml (issue #12): it holds on the code, and it breaks when a lower layer
imports a higher one. Checked on a copy of the package, so the test never edits the tree it runs from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_copy(tmp_path: Path, edit: tuple[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    shutil.copytree(ROOT / "dailypapers", tmp_path / "dailypapers", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if edit is not None:
        module, line = edit
        path = tmp_path / "dailypapers" / module
        path.write_text(path.read_text() + f"\n{line}\n")
    # The copy comes first on the path, before the editable install of the real tree.
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_contract_holds(tmp_path: Path) -> None:
    result = lint_copy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_base_domain_importing_a_page_composer_breaks_it(tmp_path: Path) -> None:
    result = lint_copy(tmp_path, ("papers/__init__.py", "import dailypapers.pages.listings"))
    assert result.returncode == 1
    assert "dailypapers.papers is not allowed to import dailypapers.pages" in result.stdout


def test_one_feature_importing_another_breaks_it(tmp_path: Path) -> None:
    result = lint_copy(tmp_path, ("votes/services.py", "import dailypapers.digests.compose"))
    assert result.returncode == 1
    assert "dailypapers.votes is not allowed to import dailypapers.digests" in result.stdout


def test_no_package_outside_the_entry_points_is_in_a_cycle() -> None:
    script = ROOT / "scripts" / "import_graph.py"
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout
    assert "cycles (strongly connected components > 1): 0" in result.stdout
