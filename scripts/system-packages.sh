#!/usr/bin/env bash
# Install the Debian packages fundapp needs, or say exactly which are missing.
#
#   scripts/system-packages.sh            check, and install what is missing when root with apt-get
#   scripts/system-packages.sh --check    only check and report
#
# Never fails because a package is missing: the rest of the set-up works without them (PDFs lose
# their Chinese glyphs, browser tests cannot start, catalogues stay uncompiled) and we say so.
# It fails only when an install that was attempted fails.
set -euo pipefail

PYTHON="${PYTHON:-python3.11}"

# package: why the project needs it
declare -A WHY=(
  [fonts-noto-cjk]="Chinese glyphs in PDFs (WeasyPrint)"
  [libharfbuzz-subset0]="font subsetting: ~4x faster PDF writing"
  [libpango-1.0-0]="text layout for WeasyPrint"
  [libpangoft2-1.0-0]="text layout for WeasyPrint"
  [poppler-utils]="pdftotext/pdffonts, used by the PDF tests"
  [chromium]="headless browser for the end-to-end tests (Playwright)"
  [gettext]="msgfmt/xgettext: compilemessages and makemessages"
)
WANTED=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils chromium gettext)

# A Debian python3.11 without ensurepip cannot make the virtualenv.
if command -v "$PYTHON" >/dev/null 2>&1; then
  if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    WHY[python3.11-venv]="ensurepip, needed to create .venv"
    WANTED+=(python3.11-venv)
  fi
else
  WHY[python3.11]="the Python the project runs on"
  WHY[python3.11-venv]="ensurepip, needed to create .venv"
  WANTED+=(python3.11 python3.11-venv)
fi

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system packages: not a Debian system (no dpkg-query); make sure these are present:"
  for pkg in "${WANTED[@]}"; do printf '  %-22s %s\n' "$pkg" "${WHY[$pkg]}"; done
  exit 0
fi

missing=()
for pkg in "${WANTED[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${WANTED[*]})"
  exit 0
fi

if [ "${1:-}" != "--check" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "system packages: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Only refresh the package lists when we actually have to install something.
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" </dev/null
  echo "system packages: installed ${missing[*]}"
  exit 0
fi

echo "system packages: MISSING ${#missing[@]} package(s); continuing without them:"
for pkg in "${missing[@]}"; do printf '  %-22s %s\n' "$pkg" "${WHY[$pkg]}"; done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "  install them with your system's package manager (no apt-get here)"
elif [ "$(id -u)" -ne 0 ]; then
  echo "  install them as root: sudo apt-get install ${missing[*]}"
else
  echo "  install them: apt-get install ${missing[*]}"
fi
exit 0
