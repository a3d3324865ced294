#!/usr/bin/env bash
# `make bench`: runs the benchmark scenarios of issue 5 against MiniRTC and nginx-rtmp in the same
# run, server pinned to one core and the load generator to another, and writes bench/RESULTS.md.
#
# Environment (all optional):
#   BENCH_QUICK=1            small sizes, short windows (a smoke run of a few minutes)
#   BENCH_SCENARIOS="..."    subset of: fanout1k fanout fanout-merge fanout-flv slow calls signal
#                            (fanout1k: fan-out and its 100 ms merge at 1,000 viewers, the size
#                            the issue's reference figures were taken at)
#   BENCH_TARGETS="..."      subset of: minirtc nginx
#   BENCH_VIEWERS, BENCH_ROOMS, BENCH_SESSIONS, BENCH_DURATION, BENCH_RAMP   sizes and seconds
#   BENCH_REPEAT=5           rounds of the CPU-per-GB rows (fanout1k and its variants, fanout,
#                            fanout-merge), the servers taking turns in each round; the report
#                            gives each round's paired ratio (MiniRTC / nginx-rtmp, variant /
#                            MiniRTC) and their median and range (1 with BENCH_QUICK=1)
#   BENCH_SERVER_CPU=0 BENCH_BENCH_CPU=1    cores for the server and the load generator
#   MINIRTC_BIN=build/release/minirtc       the binary (load generator, and server unless
#   MINIRTC_SERVER_BIN=...                   names another build of the server)
#   BENCH_NO_RESULTS=1       do not rewrite bench/RESULTS.md nor bench/results/ (the raw JSON
#                            stays in bench/out/results)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out
BIN=${MINIRTC_BIN:-$ROOT/build/release/minirtc}
[[ "$BIN" = /* ]] || BIN=$ROOT/$BIN
SERVER_BIN=${MINIRTC_SERVER_BIN:-$BIN}   # the server may come from another build than the bench
QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
  VIEWERS=${BENCH_VIEWERS:-300}; ROOMS=${BENCH_ROOMS:-10}; SESSIONS=${BENCH_SESSIONS:-400}
  DURATION=${BENCH_DURATION:-8}; RAMP=${BENCH_RAMP:-3}; REPEAT=${BENCH_REPEAT:-1}
else
  VIEWERS=${BENCH_VIEWERS:-3000}; ROOMS=${BENCH_ROOMS:-100}; SESSIONS=${BENCH_SESSIONS:-5000}
  DURATION=${BENCH_DURATION:-20}; RAMP=${BENCH_RAMP:-10}; REPEAT=${BENCH_REPEAT:-5}
fi
SCENARIOS=${BENCH_SCENARIOS:-"fanout1k fanout fanout-merge fanout-flv slow calls signal"}
TARGETS=${BENCH_TARGETS:-"minirtc nginx"}
SERVER_CPU=${BENCH_SERVER_CPU:-0}
BENCH_CPU=${BENCH_BENCH_CPU:-1}
NGINX_PORT=${BENCH_NGINX_PORT:-19351}
APP_ID=benchapp0123456789abcdef
APP_KEY=benchkey-not-secret-0123456789
FLV=$OUT/source.flv
RESULTS=$OUT/results

mkdir -p "$OUT" "$RESULTS" "$OUT/nginx" "$OUT/data"
rm -f "$RESULTS"/*.json
# Thousands of sockets on each side of loopback.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[[ -x $BIN ]] || { echo "run.sh: $BIN not found (make build)" >&2; exit 1; }

# The publishers' media: 60 s, 640x360, 25 fps, 2 s GOP, ~436 kbit/s H.264 + 64 kbit/s AAC.
if [[ ! -s $FLV ]]; then
  echo "== generating $FLV"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=frequency=440:sample_rate=44100 \
    -t 60 -c:v libx264 -preset veryfast -profile:v main -bf 0 -pix_fmt yuv420p \
    -b:v 436k -maxrate 436k -bufsize 872k -g 50 -keyint_min 50 -sc_threshold 0 \
    -c:a aac -b:a 64k -ac 1 -f flv "$FLV"
fi

SERVER_PID=
stop_server() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=
}
trap stop_server EXIT

# Starts MiniRTC on free ports with extra flags "$@"; sets SERVER_PID, RTMP_ADDR, HTTP_ADDR,
# SERVER_FLAGS.
start_minirtc() {
  local log=$OUT/minirtc.log
  SERVER_FLAGS="$*"
  # Every load-generator connection comes from 127.0.0.1: no per-address limit of strangers
  # (thousands of viewers ramp up in seconds, many of them mid-handshake at once).
  taskset -c "$SERVER_CPU" "$SERVER_BIN" serve --http-listen 127.0.0.1:0 --rtmp-listen 127.0.0.1:0 \
    --app "$APP_ID:$APP_KEY" --data-dir "$OUT/data" --log-level warn --max-unauthenticated-per-ip 0 \
    "$@" >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if grep -q '^listening' "$log"; then break; fi
    sleep 0.1
  done
  local line
  line=$(grep -m1 '^listening' "$log") || { echo "minirtc did not start:" >&2; cat "$log" >&2; exit 1; }
  HTTP_ADDR=$(sed -E 's/.*http=([^ ]+).*/\1/' <<<"$line")
  RTMP_ADDR=$(sed -E 's/.*rtmp=([^ ]+).*/\1/' <<<"$line")
}

start_nginx() {
  sed -e "s#@OUT@#$OUT#g" -e "s#@PORT@#$NGINX_PORT#g" "$ROOT/bench/nginx.conf.in" >"$OUT/nginx/nginx.conf"
  taskset -c "$SERVER_CPU" nginx -p "$OUT/nginx/" -c "$OUT/nginx/nginx.conf" >"$OUT/nginx/stdout.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$NGINX_PORT") 2>/dev/null && break
    sleep 0.1
  done
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "nginx did not start:" >&2; cat "$OUT/nginx/error.log" >&2; exit 1; }
  RTMP_ADDR=127.0.0.1:$NGINX_PORT
  HTTP_ADDR=127.0.0.1:1   # unused: nginx-rtmp has no HTTP-FLV
}

# bench NAME TARGET [bench options...]; REP, when set, numbers the run of a repeated row.
REP=
bench() {
  local name=$1 target=$2; shift 2
  local app=()
  [[ $target == minirtc* ]] && app=(--app "$APP_ID:$APP_KEY")
  echo "== $name ($target)"
  taskset -c "$BENCH_CPU" "$BIN" bench --rtmp "$RTMP_ADDR" --http "$HTTP_ADDR" "${app[@]}" \
    --server-pid "$SERVER_PID" --label "$target" --json "$RESULTS/$name.$target${REP:+.r$REP}.json" \
    --ramp "$RAMP" --duration "$DURATION" "$@" || echo "!! $name ($target) failed" >&2
  [[ $target == minirtc* ]] && annotate "$RESULTS/$name.$target${REP:+.r$REP}.json"
  return 0
}

# Adds to a MiniRTC run's JSON what the server says of itself: the write path its viewers' writes
# took (io_uring, or sendmsg when asked or when the kernel refused io_uring) and its flags.
annotate() {
  local json=$1 path
  [[ -f $json ]] || return 0
  path=$(curl -s "http://$HTTP_ADDR/metrics" | sed -n 's/^minirtc_viewer_write_path{path="\([a-z_]*\)"} 1$/\1/p')
  python3 - "$json" "${path:-unknown}" "${SERVER_FLAGS:-}" <<'PY'
import json, sys
p, path, flags = sys.argv[1:4]
with open(p) as f:
    r = json.load(f)
r["server_write_path"] = path
r["server_flags"] = flags
with open(p, "w") as f:
    json.dump(r, f, indent=1)
PY
}

# "Release" etc. from the CMake cache of the build the server binary came from.
server_build() {
  local cache
  cache=$(dirname "$SERVER_BIN")/CMakeCache.txt
  echo "$SERVER_BIN ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$cache" 2>/dev/null || echo '?'))"
}

has() { [[ " $SCENARIOS " == *" $1 "* ]]; }
target() { [[ " $TARGETS " == *" $1 "* ]]; }

FAN=(--scenario fanout --flv "$FLV" --viewers "$VIEWERS")
VIEWERS_1K=$(( VIEWERS < 1000 ? VIEWERS : 1000 ))
FAN1K=(--scenario fanout --flv "$FLV" --viewers "$VIEWERS_1K")
CALLS=(--scenario calls --flv "$FLV" --rooms "$ROOMS" --room-size 4)

# run_on TARGET NAME [bench options...]: a fresh server for each scenario
run_on() {
  local t=$1 name=$2; shift 2
  case $t in
    minirtc) target minirtc || return 0; start_minirtc ;;
    minirtc-merge100) target minirtc || return 0; start_minirtc --merge-window-ms 100 ;;
    minirtc-merge0) target minirtc || return 0; start_minirtc --merge-window-ms 0 ;;
    minirtc-sendmsg) target minirtc || return 0; start_minirtc --send-batching sendmsg ;;
    nginx) target nginx || return 0; start_nginx ;;
  esac
  bench "$name" "$t" "$@"
  stop_server
}

# The CPU-per-GB rows, repeated: this machine's CPU time per byte varies by tens of percent from
# one minute to the next (a virtual machine whose neighbours come and go), so the servers take
# turns within each round instead of one running minutes after the other, and the report keeps
# each row's median run and shows the range.
for rep in $(seq "$REPEAT"); do
  REP=$rep
  if has fanout1k; then
    run_on minirtc fanout1k "${FAN1K[@]}" --proto rtmp
    run_on nginx fanout1k "${FAN1K[@]}" --proto rtmp
    run_on minirtc-merge100 fanout-merge1k "${FAN1K[@]}" --proto rtmp
    # what each design choice buys: no merged writes at all, and one sendmsg per viewer
    run_on minirtc-merge0 fanout1k "${FAN1K[@]}" --proto rtmp
    run_on minirtc-sendmsg fanout1k "${FAN1K[@]}" --proto rtmp
  fi
  if has fanout; then
    run_on minirtc fanout "${FAN[@]}" --proto rtmp
    run_on nginx fanout "${FAN[@]}" --proto rtmp
  fi
  has fanout-merge && run_on minirtc-merge100 fanout-merge "${FAN[@]}" --proto rtmp
done
REP=
for t in minirtc nginx; do
  has slow && run_on $t slow "${FAN[@]}" --proto rtmp --slow-fraction 0.1 --slow-factor 0.25
  has calls && run_on $t calls "${CALLS[@]}"
done
has fanout-flv && run_on minirtc fanout-flv "${FAN[@]}" --proto flv
has signal && run_on minirtc signal --scenario signal --sessions "$SESSIONS" --room-size 4

if [[ ${BENCH_NO_RESULTS:-0} != 1 ]]; then
  python3 "$ROOT/bench/render_results.py" "$RESULTS" "$ROOT/bench/RESULTS.md" \
    --server-build "$(server_build)" --quick "$QUICK" --viewers "$VIEWERS" --rooms "$ROOMS" --sessions "$SESSIONS" --duration "$DURATION" --repeat "$REPEAT"
  # the raw JSON the page was made from, committed beside it
  rm -rf "$ROOT/bench/results" && mkdir -p "$ROOT/bench/results"
  cp "$RESULTS"/*.json "$ROOT/bench/results/"
  echo "== wrote bench/RESULTS.md and bench/results/"
fi
