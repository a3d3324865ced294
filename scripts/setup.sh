#!/usr/bin/env bash
# Installs every Debian package MiniRTC needs to build, test and benchmark, and the pinned npm
# packages. Idempotent: packages already present are skipped, so `make run` / `make test` call it
# every time. This is the only list of system packages in the project.
set -euo pipefail

PACKAGES=(
  # toolchain and build
  build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev ccache
  # libraries (Boost 1.81 only: it conflicts with Debian's default 1.74 dev packages)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev liburing-dev
  # cluster (Redis client), call records and callback queue (SQLite), recording (MP4 muxer)
  libhiredis-dev libsqlite3-dev libavformat-dev libavcodec-dev libavutil-dev
  # test peers and the benchmark's reference server (never linked)
  ffmpeg rtmpdump nginx-light libnginx-mod-rtmp
  # cluster tests start their own Redis; console tests drive a headless browser; sqlite3 to inspect
  redis-server chromium sqlite3 python3
  # procps: ps/pgrep in test scripts; curl for smoke checks
  procps curl
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Node.js: the machines ship a Node 20 with its own npm (which conflicts with Debian's npm
# package); install Debian's only where no node is present at all.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# nginx-light's package starts a system nginx on port 80; the benchmark runs its own instance.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  $SUDO systemctl stop nginx || true
fi

# redis-server's package starts a system Redis on 6379; tests and benches start their own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl stop redis-server || true
fi

# npm packages for the SDK build and the JavaScript tests, pinned by package-lock.json.
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ -f "$root/package-lock.json" ]; then
  if [ ! -d "$root/node_modules" ] || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
