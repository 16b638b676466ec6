#!/usr/bin/env bash
# The deployment files, offline: the Dockerfile linted (hadolint), the Helm chart checked
# (tests/deploy/check_chart.py). In a virtualenv of its own: helm-python-sdk needs
# Python >= 3.12, the project runs on 3.11. Installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/../.."

python=""
for candidate in python3.13 python3.12 ~/.pyenv/versions/3.13*/bin/python ~/.pyenv/versions/3.12*/bin/python; do
  if command -v "$candidate" >/dev/null 2>&1 \
    && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "check_chart: no Python >= 3.12 found (python3.12 on PATH, or pyenv)" >&2
  exit 1
fi

venv=.venv/chart-tools
stamp="$venv/.installed-$(sha256sum tests/deploy/requirements.txt | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/deploy/requirements.txt
  touch "$stamp"
fi
echo "-- hadolint deploy/Dockerfile"
"$venv/bin/hadolint" deploy/Dockerfile
"$venv/bin/python" tests/deploy/check_chart.py
