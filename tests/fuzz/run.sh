#!/usr/bin/env bash
# Runs the fuzz targets with cargo-fuzz (libFuzzer) for SECONDS each (default 60), growing the
# corpora in tests/fuzz/corpus/. Needs `cargo install cargo-fuzz`; on a stable toolchain,
# RUSTC_BOOTSTRAP=1 lets it use the unstable sanitizer flags. A crash is written to
# tests/fuzz/artifacts/TARGET/: fix it, then copy the file into tests/fuzz/corpus/TARGET/ so
# that every `cargo test` replays it (tests/fuzz_corpus.rs).
#
#   tests/fuzz/run.sh 1800                 # every target, 30 minutes each, one after the other
#   JOBS=2 tests/fuzz/run.sh 1800 check    # one target, two fuzzing processes
#
# A unit that runs longer than TIMEOUT seconds (default 60) is reported as a hang. Under the
# sanitizer a unit of `eval` takes up to a second on an idle core; on a machine busy with
# other work (a build beside the fuzzer) it can take ten times that, so a shorter timeout
# reports hangs that are not there.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(check fmt eval record ndjson json csv xml)
export RUSTC_BOOTSTRAP=1
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t: ${secs}s"
  cargo fuzz run --fuzz-dir . "$t" "corpus/$t" -- \
    -max_total_time="$secs" -max_len=65536 -timeout="${TIMEOUT:-60}" -rss_limit_mb=2048 \
    -jobs="${JOBS:-1}" -workers="${JOBS:-1}" -print_final_stats=1 \
    -artifact_prefix="artifacts/$t/"
done
