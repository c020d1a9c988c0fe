#!/usr/bin/env bash
# Debian packages the site and its browser tests need: a CJK font so Chinese renders as glyphs in
# plots and screenshots, Chromium with its driver for the end-to-end tests, and bubblewrap with
# util-linux (prlimit, setpriv) for the sandbox `torch-recipes check` runs tutorials in.
set -euo pipefail
packages=(fonts-noto-cjk chromium chromium-driver bubblewrap util-linux)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "missing Debian packages: ${missing[*]}; install them as root: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
