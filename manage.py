#!/usr/bin/env python
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

    from config.cli import main

    main()
