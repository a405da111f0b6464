#!/usr/bin/env bash
# System packages cmhash needs on Debian 12 (bookworm): Mesa ≥ 24 Vulkan (lavapipe) from
# bookworm-backports — stock Mesa 22.3 is too old for Dawn — and Chromium for the browser tests.
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_mesa=1
if dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -qE '^(2[4-9]|[3-9][0-9])\.'; then need_mesa=0; fi
need_chromium=1
if [ -x /usr/bin/chromium ]; then need_chromium=0; fi
if [ "${CMHASH_SKIP_CHROMIUM:-0}" = 1 ]; then need_chromium=0; fi

if [ $need_mesa = 0 ] && [ $need_chromium = 0 ]; then
  echo "setup-system: Mesa Vulkan $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers) and chromium already installed"
  exit 0
fi

if [ $need_mesa = 1 ] && [ ! -f /etc/apt/sources.list.d/backports.sources ]; then
  # Derive the mirror and key from the machine's own sources so nothing is hard-coded.
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ]; then
    uri=$(awk '/^URIs:/{print $2; exit}' "$src"); key=$(awk '/^Signed-By:/{print $2; exit}' "$src")
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: %s\n' "$uri" "$key" \
      | $SUDO tee /etc/apt/sources.list.d/backports.sources >/dev/null
  else
    uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
    echo "deb $uri bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/backports.list >/dev/null
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
if [ $need_mesa = 1 ]; then
  $SUDO apt-get install -y -q -t bookworm-backports mesa-vulkan-drivers libvulkan1
fi
if [ $need_chromium = 1 ]; then
  $SUDO apt-get install -y -q chromium
fi
