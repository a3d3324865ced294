#!/usr/bin/env bash
# Runs every libFuzzer target of build/fuzz for SECONDS each, starting from its committed seed
# corpus (tests/fuzz/corpus/<name without fuzz_>/, read only) and its work corpus
# (build/fuzz/work/<name>/, where new inputs are kept between runs), then writes a table of what
# each run did: seconds, executions, exec/s, coverage (cov: edges), features (ft:), corpus size,
# crashes.
#
#   scripts/fuzz.sh SECONDS [SUMMARY.md]
#
# `make test` runs it for FUZZ_SECONDS (20) per target; `make fuzz-long` for FUZZ_LONG_SECONDS
# (600) into build/fuzz/long-summary.md. Fails when a target crashes, leaks, times out or exits
# non-zero (its whole output is shown, with the reproducer's path), and when a run executed
# nothing (a target that cannot start must not pass as fuzzed).
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:?usage: scripts/fuzz.sh SECONDS [SUMMARY.md]}
SUMMARY=${2:-build/fuzz/summary.md}
BUILD=${FUZZ_BUILD:-build/fuzz}  # overridable to test this script

targets=()
for f in "$BUILD"/fuzz_*; do [ -f "$f" ] && [ -x "$f" ] && targets+=("$f"); done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets in $BUILD (build them with: make fuzz)" >&2
  exit 1
fi

mkdir -p "$BUILD/logs" "$BUILD/artifacts" "$(dirname "$SUMMARY")"
{
  echo "| target | seconds | executions | exec/s | cov | ft | corpus | crashes |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
} >"$SUMMARY"

failed=()
for f in "${targets[@]}"; do
  name=$(basename "$f")
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  work="$BUILD/work/$name"
  log="$BUILD/logs/$name.log"
  artifacts="$BUILD/artifacts/$name/"
  rm -rf "$artifacts"  # reproducers of an earlier run are not this run's crashes
  mkdir -p "$work" "$artifacts"
  args=("$work")
  if [ -d "$seeds" ]; then
    args+=("$seeds")
  else
    echo "fuzz: $name has no seed corpus ($seeds)" >&2
    failed+=("$name (no seed corpus)")
  fi
  echo "fuzz: $name, ${SECONDS_EACH}s"
  start=$(date +%s)
  "$f" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "${args[@]}" >"$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))

  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")
  crashes=$(find "$artifacts" -type f | wc -l)
  [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes="exit $rc"
  echo "| $name | $took | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $crashes |" >>"$SUMMARY"

  if [ "$rc" -ne 0 ] || [ "$crashes" != 0 ]; then
    echo "---- $name FAILED (exit $rc); its whole output ($log): ----"
    cat "$log"
    echo "---- end of $name; reproducers in $artifacts: $(ls "$artifacts" | tr '\n' ' ')"
    failed+=("$name (exit $rc, reproducers: $(ls "$artifacts" | wc -l))")
  elif [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
    echo "---- $name executed nothing; its whole output ($log): ----"
    cat "$log"
    failed+=("$name (executed nothing)")
  else
    echo "  $execs executions, ${rate:-?}/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
  fi
done

echo
cat "$SUMMARY"
if [ ${#failed[@]} -ne 0 ]; then
  printf '\nfuzz: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
