#!/usr/bin/env bash
# Render an HTML report (itsmctl report --format html) to a PNG with headless Chromium,
# to check the page the way a browser shows it (Q2). Offline: the page needs no network.
#
#   itsmctl report --month 2026-11 --format html --out /tmp/report.html
#   scripts/screenshot_report.sh /tmp/report.html /tmp/report.png
#
# Needs Debian's chromium (apt-get install -y chromium); exits 3 when it is missing.
set -euo pipefail
page=${1:?usage: screenshot_report.sh REPORT.html OUT.png [WIDTH,HEIGHT]}
out=${2:?usage: screenshot_report.sh REPORT.html OUT.png [WIDTH,HEIGHT]}
size=${3:-1200,2000}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "screenshot_report.sh: chromium is not installed (apt-get install -y chromium)" >&2
  exit 3
fi
page=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# a throw-away profile; no GPU, sync, updates or background network in a sandboxed CI box
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size="$size" --screenshot="$out" "file://$page" \
  >/dev/null 2>&1
test -s "$out"
echo "$out"
