#!/usr/bin/env bash
# Bubblewrap (bwrap), the sandbox `make grade` runs each submission in. Where it is missing and this is a
# Debian machine we administer, install Debian's package; otherwise say what grading without it risks.
set -uo pipefail

command -v bwrap >/dev/null && exit 0
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian's bubblewrap package, the sandbox for grading ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q bubblewrap >/dev/null ||
        { apt-get update -q >/dev/null && apt-get install -y -q bubblewrap >/dev/null; } ||
        { echo "error: apt-get could not install bubblewrap" >&2; exit 1; }
    exit 0
fi
echo "note: bubblewrap (bwrap) is not installed, so make grade would run submissions UNSANDBOXED and the tests of" \
     "its sandbox are skipped. Install it: sudo apt-get install bubblewrap (Debian, Ubuntu) or" \
     "sudo dnf install bubblewrap (Fedora)." >&2
