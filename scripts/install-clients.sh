#!/usr/bin/env bash
# Install, idempotently, the real clients the tests open our outputs in:
#   - Debian's chromium (/usr/bin/chromium): the map and the HTML annex, driven
#     headless by playwright's Python package (executable_path=/usr/bin/chromium;
#     "playwright install" is never run);
#   - LibreOffice (writer, calc; headless): DOCX, XLSX and CSV as users open them,
#     converted to PDF to count pages;
#   - poppler-utils (pdfinfo, pdftoppm): page counts and PNG renderings of PDFs;
#   - Node.js and npm: d3-force (from the npm registry, by the tests) reads graphe.json;
#   - fonts, so that text renders as text and page layouts match a desktop.
# The Gephi Toolkit and Neo4j come from Maven Central through the project's own
# pom files, not from here.
#
# Usage: scripts/install-clients.sh        (as root, or with sudo available)
set -euo pipefail

packages=(
    chromium
    libreoffice-writer-nogui libreoffice-calc-nogui
    poppler-utils
    nodejs
    fonts-dejavu-core fonts-liberation fonts-liberation2 fonts-crosextra-carlito
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# npm: Debian packages it apart from nodejs; other nodejs builds ship it inside.
if ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-clients : déjà installés ($(/usr/bin/chromium --version 2>/dev/null); $(soffice --version 2>/dev/null | head -1))"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi

echo "install-clients : installation de ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
/usr/bin/chromium --version
soffice --version | head -1
