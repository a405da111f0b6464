#!/usr/bin/env bash
# Debian 12 (bookworm) packages of the CPU peers the benchmarks and the export round-trip test compare
# against: PyTorch (python3-torch: training and retrieval peers), numpy with OpenBLAS (libopenblas0-pthread;
# without it numpy falls back to the slow reference BLAS) and FAISS (python3-faiss: IndexBinaryFlat and
# IndexBinaryMultiHash). The peers run with Debian's /usr/bin/python3 (override with CMHASH_PYTHON).
# Idempotent: installs only what is missing. Needs root (or sudo). About 300 MB; a few minutes.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

want="${CMHASH_PEERS:-python3-numpy libopenblas0-pthread python3-faiss python3-torch}"
missing=""
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing="$missing $p"; fi
done
if [ -z "$missing" ]; then
  echo "setup-peers: already installed:$(for p in $want; do printf ' %s %s' "$p" "$(dpkg-query -W -f='${Version}' "$p")"; done)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
/usr/bin/python3 -c 'import numpy, faiss; print("setup-peers: numpy", numpy.__version__, "faiss", faiss.__version__)' || true
