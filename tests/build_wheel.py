"""Builds the project's wheel from what the image's build context holds (.dockerignore:
pyproject.toml, constraints.txt, README.md, src/), copied aside, so that the build sees no
more than Docker would and leaves nothing (build/, *.egg-info) in the checkout."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = ("pyproject.toml", "constraints.txt", "README.md")


def build_wheel(out: Path) -> Path:
    """The wheel, built in `out`; needs the compiled .mo files (make install) in src/."""
    with tempfile.TemporaryDirectory(prefix="buddysystem-context-") as context:
        for name in CONTEXT:
            shutil.copy2(ROOT / name, context)
        shutil.copytree(
            ROOT / "src",
            Path(context) / "src",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info"),
        )
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), context],
            check=True,
            timeout=300,
        )
    return next(out.glob("buddysystem-*.whl"))
