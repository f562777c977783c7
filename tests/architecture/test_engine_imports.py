"""Other packages use the engine only through `transferkit.engine` (its `__init__`), never through its modules."""

from __future__ import annotations

import ast
from pathlib import Path

import transferkit

SOURCE = Path(transferkit.__file__).parent


def _module_name(path: Path, root: Path) -> tuple[str, bool]:
    """(dotted module name, whether it is a package's __init__) of a source file under `root` (the package)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _resolved(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module a `from ... import` reads from."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def engine_submodule_imports(root: Path) -> list[str]:
    """'file:line: what' for every import, outside root/engine, of a module or sub-package inside the engine."""
    engine = root / "engine"
    engine_name = f"{root.name}.engine"
    submodules = {p.stem for p in engine.glob("*.py") if p.stem != "__init__"}
    submodules |= {p.name for p in engine.iterdir() if (p / "__init__.py").is_file()}
    found = []
    for path in sorted(root.rglob("*.py")):
        if engine in path.parents:
            continue
        module, is_package = _module_name(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source = _resolved(node, module, is_package)
                names = [source]
                if source == engine_name:
                    names = [f"{source}.{alias.name}" for alias in node.names if alias.name in submodules]
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None))
                  == "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
                names = [str(node.args[0].value)]
            found += [(str(path.relative_to(root.parent)), node.lineno, name) for name in names
                      if name.startswith(engine_name + ".")]
    return [f"{file}:{line}: {name}" for file, line, name in sorted(found)]


def test_no_module_outside_the_engine_imports_an_engine_submodule():
    offenders = engine_submodule_imports(SOURCE)
    assert not offenders, ("import these through transferkit.engine (add the name to engine/__init__.py):\n"
                           + "\n".join(offenders))


def test_every_form_of_a_submodule_import_is_found(tmp_path):
    root = tmp_path / "pkg"
    (root / "engine" / "checkpoints").mkdir(parents=True)
    for name in ("__init__.py", "engine/__init__.py", "engine/runner.py", "engine/checkpoints/__init__.py"):
        (root / name).write_text("", encoding="utf-8")
    (root / "runs").mkdir()
    (root / "runs" / "__init__.py").write_text("from ..engine import run_plan\n", encoding="utf-8")  # allowed
    (root / "runs" / "adapt.py").write_text(
        "from ..engine import RunConfig, runner\n"
        "from ..engine.checkpoints import Checkpointer\n"
        "import pkg.engine.runner\n"
        "from pkg.engine import checkpoints\n"
        "from pkg import engine\n"  # the package itself: allowed
        "import importlib\n"
        "importlib.import_module('pkg.engine.runner')\n",
        encoding="utf-8",
    )
    (root / "engine" / "checkpoints" / "resume.py").write_text("from ..runner import x\n", encoding="utf-8")

    found = engine_submodule_imports(root)

    assert found == [
        "pkg/runs/adapt.py:1: pkg.engine.runner",
        "pkg/runs/adapt.py:2: pkg.engine.checkpoints",
        "pkg/runs/adapt.py:3: pkg.engine.runner",
        "pkg/runs/adapt.py:4: pkg.engine.checkpoints",
        "pkg/runs/adapt.py:7: pkg.engine.runner",
    ]
