# Sourced by the scripts: finds the Swift toolchain and the repository root.
# shellcheck shell=bash
COALITION_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    if [ -x "$candidate/swift" ]; then PATH="$candidate:$PATH"; break; fi
  done
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "swift 6 is not installed: install the Swift 6 toolchain (swift.org) and put its usr/bin on PATH" >&2
  exit 1
fi
export PATH COALITION_ROOT
