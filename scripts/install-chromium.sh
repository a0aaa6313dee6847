#!/usr/bin/env bash
# Install what the browser tests need (tests marked "browser"), idempotently:
#   - Debian's chromium (/usr/bin/chromium), driven headless by the tests;
#   - fonts, so that labels render as text in screenshots.
# The Python driver (playwright's Python package, launched with
# executable_path=/usr/bin/chromium) comes from pyproject's "test" extra; it
# never downloads a browser of its own ("playwright install" is never run).
#
# Usage: scripts/install-chromium.sh        (as root, or with sudo available)
set -euo pipefail

packages=(chromium fonts-dejavu-core fonts-liberation)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -eq 0 ] && [ -x /usr/bin/chromium ]; then
    echo "install-chromium: déjà installé ($(/usr/bin/chromium --version 2>/dev/null || echo chromium))"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

echo "install-chromium: installation de ${missing[*]:-chromium}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]:-chromium}" >/dev/null
/usr/bin/chromium --version
