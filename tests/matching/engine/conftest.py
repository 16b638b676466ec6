"""Engine tests share helpers in engine_cases.py; tests/ has no packages, so its folder is put
on the path here (pytest runs with --import-mode=importlib, which does not do it)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
