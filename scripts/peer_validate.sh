#!/usr/bin/env bash
# Check childhub output against the DfE rules as implemented by Data to Insight's
# peer validators (csc-validator-be-903 / csc-validator-be-cin).
#
#   bash scripts/peer_validate.sh DIR [--year YYYY] [--la E0xxxxxxx] [--only 903|cin] [--json OUT]
#
# DIR holds ssda903/*.csv (optionally ssda903_previous/*.csv) and cin/<one>.xml.
# The validators pin pandas<2 and numpy<1.25 (and import pytest), so they live in
# their own venv: $PEER_VENV, default <repo>/.venv-peer, built with python3.11
# ($PEER_PYTHON) on first use and re-installed whenever the pins below change.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PEER_VENV:-$(cd "$here/.." && pwd)/.venv-peer}"
python="${PEER_PYTHON:-python3.11}"

# Versions checked to work together (Python 3.11).
reqs=(
  csc-validator-be-903==0.1.17
  csc-validator-be-cin==0.1.13
  pytest==9.2.0
  pandas==1.5.3
  numpy==1.24.4
)

# One process builds the venv at a time (tests running side by side may all ask for it first).
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9

if [[ ! -x "$venv/bin/python" ]]; then
  command -v "$python" >/dev/null || { echo "peer_validate: $python not found" >&2; exit 3; }
  echo "peer_validate: creating venv $venv" >&2
  "$python" -m venv "$venv" || { echo "peer_validate: could not create $venv" >&2; exit 3; }
fi

# A stamp file records what was installed, so later runs skip pip entirely.
stamp="$venv/.peer-requirements"
if [[ "$(cat "$stamp" 2>/dev/null)" != "${reqs[*]}" ]]; then
  echo "peer_validate: installing ${reqs[*]}" >&2
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check "${reqs[@]}" \
       >"$venv/pip.log" 2>&1; then
    tail -n 20 "$venv/pip.log" >&2
    echo "peer_validate: pip install failed (full log: $venv/pip.log)" >&2
    exit 3
  fi
  echo "${reqs[*]}" >"$stamp"
fi

flock -u 9
exec "$venv/bin/python" "$here/peer_validate.py" "$@"
