#!/usr/bin/env bash
# clerkmap vs jq, vs a serde_json round trip and vs the products mapping written by hand in Rust
# (over a whole parsed `Value`, and over borrowed serde structs: benches/handmapped.rs) on a generated
# Passweb shop, all measured in one run; then the million-product run and the JSON-array memory
# check. Prints markdown tables (see BENCHMARKS.md).
#
# usage: benches/compare.sh [GENERATOR] [PRODUCTS] [SEED] [WORKDIR]
#   GENERATOR  the sample generator           (env GEN,      default ../shared/tools/passweb-sample)
#   PRODUCTS   number of articles             (env PRODUCTS, default 200000)
#   SEED       generator seed                 (env SEED,     default 7)
#   WORKDIR    cache and scratch directory    (env WORK,     default target/bench-data)
# more env:
#   RUNS=3         runs per measurement (the best wall time is kept)
#   JQ_RUNS=$RUNS  runs of jq, 1..RUNS (slow: about 5 minutes per run at 200k articles)
#   BIG=1          the big runs: BIG_PRODUCTS articles (default 1000000) with --jobs 2, as NDJSON
#                  and as one JSON array (peak RSS compared); BIG=0 skips them
#
# Relative paths are relative to the repository root (the script cd's there). The shop is
# generated once per (PRODUCTS, SEED) and cached in WORKDIR; the release binaries are copied
# into WORKDIR/bin so a concurrent rebuild of target/ cannot change them mid-run, and clerkmap
# runs its built-in mapping (mappings/passweb.cmap as compiled into that binary), so an edit of
# the file during the run cannot desynchronise them. Every input is read once before timing, so
# all runs are warm-cache.
set -euo pipefail

cd "$(dirname "$0")/.."

GEN=${1:-${GEN:-../shared/tools/passweb-sample}}
PRODUCTS=${2:-${PRODUCTS:-200000}}
SEED=${3:-${SEED:-7}}
WORK=${4:-${WORK:-target/bench-data}}
RUNS=${RUNS:-3}
JQ_RUNS=${JQ_RUNS:-$RUNS}
BIG=${BIG:-1}
BIG_PRODUCTS=${BIG_PRODUCTS:-1000000}
TIME=/usr/bin/time

log() { printf '%s\n' "$*" >&2; }
die() { log "compare.sh: $*"; exit 1; }

[ -x "$TIME" ] || die "$TIME (GNU time) is needed for peak RSS"
command -v jq >/dev/null || die "jq is needed"
[ -e "$GEN" ] || die "generator not found: $GEN"

mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
OUT="$WORK/out"
BIGARRAY="$WORK/big-articoli.json"
cleanup() {
    rm -f "$BIGARRAY"
    rm -rf "$OUT"
}
trap cleanup EXIT
rm -rf "$OUT"
mkdir -p "$OUT"

# 1. The shop, generated once and cached ----------------------------------------------------
# shop N: the directory of a generated shop of N articles (seed $SEED), made once.
shop() {
    local dir="$WORK/shop-n$1-s$SEED"
    if [ ! -f "$dir/.complete" ]; then
        log "generating $1 articles (seed $SEED) into $dir ..."
        rm -rf "$dir.tmp"
        python3 "$GEN" "$dir.tmp" --products "$1" --seed "$SEED" \
            --only articoli.ndjson,categorie.csv >&2
        touch "$dir.tmp/.complete"
        rm -rf "$dir"
        mv "$dir.tmp" "$dir"
    fi
    echo "$dir"
}
SHOP=$(shop "$PRODUCTS")
ART="$SHOP/articoli.ndjson"
CAT="$SHOP/categorie.csv"
RECORDS=$(wc -l < "$ART")
BYTES=$(stat -c %s "$ART")

# 2. Release binaries --------------------------------------------------------------------------
log "building release binaries ..."
cargo build --release --quiet >&2
mkdir -p "$WORK/bin"
# Copy at once: `cargo bench` below (and anyone else's build) may rewrite target/release.
cp -f target/release/clerkmap "$WORK/bin/clerkmap"
RT_EXE=$(cargo bench --bench roundtrip --no-run --message-format=json 2>/dev/null \
    | jq -r 'select(.reason == "compiler-artifact" and .target.name == "roundtrip" and .executable != null) | .executable' \
    | tail -n 1)
[ -n "$RT_EXE" ] && [ -x "$RT_EXE" ] || die "cannot build the roundtrip bench"
cp -f "$RT_EXE" "$WORK/bin/roundtrip"
HM_EXE=$(cargo bench --bench handmapped --no-run --message-format=json 2>/dev/null \
    | jq -r 'select(.reason == "compiler-artifact" and .target.name == "handmapped" and .executable != null) | .executable' \
    | tail -n 1)
[ -n "$HM_EXE" ] && [ -x "$HM_EXE" ] || die "cannot build the handmapped bench"
cp -f "$HM_EXE" "$WORK/bin/handmapped"
HANDMAPPED="$WORK/bin/handmapped"
CLERKMAP="$WORK/bin/clerkmap"
"$CLERKMAP" check >&2 || die "the built-in mapping does not check with this build"
ROUNDTRIP="$WORK/bin/roundtrip"
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | wc -l)
[ "$DIRTY" -gt 0 ] && REV="$REV + $DIRTY uncommitted change(s) in src/, Cargo.toml, Cargo.lock"

cat "$ART" "$CAT" > /dev/null # warm the page cache

# 3. Measurements ------------------------------------------------------------------------------
# once KEY NAME CMD...: runs CMD under GNU time; keeps the best wall time in T[KEY] and the
# largest peak RSS in RSS[KEY]. The tools are run in interleaved rounds, so a burst of load
# from other processes on a shared machine does not hit all runs of one tool.
declare -A T RSS LAST
# The --jobs 1 / --jobs 2 ratio of each round (the two run one after the other).
PAIRS=()
once() {
    local key=$1 name=$2
    shift 2
    local t kb
    if ! "$TIME" -f '%e %M' -o "$OUT/time.txt" "$@" > "$OUT/stdout.txt" 2> "$OUT/stderr.txt"; then
        cat "$OUT/stderr.txt" >&2
        die "$name failed: $*"
    fi
    read -r t kb < <(tail -n 1 "$OUT/time.txt")
    log "  $name: ${t} s, $((kb / 1024)) MB peak RSS (load average $(cut -d' ' -f1 /proc/loadavg))"
    LAST[$key]=$t
    if [ -z "${T[$key]:-}" ] || awk -v a="$t" -v b="${T[$key]}" 'BEGIN { exit !(a < b) }'; then
        T[$key]=$t
    fi
    if [ "$kb" -gt "${RSS[$key]:-0}" ]; then RSS[$key]=$kb; fi
}
cm() { # KEY JOBS INPUT OUTDIR
    once "$1" "clerkmap --jobs $2" "$CLERKMAP" run \
        --input "articoli=$3" --input "categorie=$CAT" --out "$4" --jobs "$2" --quiet
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "measuring on $ART ($RECORDS records, $BYTES bytes) ..."
for ((round = 1; round <= RUNS; round++)); do
    log "round $round/$RUNS"
    cm cm1 1 "$ART" "$OUT/cm1"
    cm cm2 2 "$ART" "$OUT/cm2"
    PAIRS+=("$(awk -v a="${LAST[cm1]}" -v b="${LAST[cm2]}" 'BEGIN { printf "%.4f", a / b }')")
    once rt "serde_json round trip" "$ROUNDTRIP" "$ART" --out "$OUT/roundtrip.json"
    once hv "hand-written over Value" "$HANDMAPPED" --value "$ART" "$CAT" --out "$OUT/hv.json"
    once ht "hand-written over borrowed structs" "$HANDMAPPED" --typed "$ART" "$CAT" --out "$OUT/ht.json"
    if [ "$round" -le "$JQ_RUNS" ]; then
        once jq "jq" sh -c 'exec jq -c -n --rawfile categorie "$1" -f benches/products.jq "$2" > "$3"' \
            jq "$CAT" "$ART" "$OUT/jq-products.ndjson"
    fi
done

# The outputs must agree: clerkmap's products (JSON array) and jq's (NDJSON).
WRITTEN=$(jq -r '.entities[] | select(.entity == "products") | .written' "$OUT/cm2/report.json")
if cmp -s <(jq -c '.[]' "$OUT/cm2/products.json") "$OUT/jq-products.ndjson"; then
    AGREE="identical"
else
    mkdir -p "$WORK/mismatch"
    cp "$OUT/cm2/products.json" "$OUT/jq-products.ndjson" "$WORK/mismatch/"
    AGREE="DIFFERENT (kept in $WORK/mismatch/)"
fi
cmp -s "$OUT/cm1/products.json" "$OUT/cm2/products.json" || AGREE="$AGREE; jobs 1 and 2 outputs DIFFER"
for hm in hv ht; do
    cmp -s "$OUT/$hm.json" "$OUT/cm1/products.json" || AGREE="$AGREE; the $hm baseline's products DIFFER"
done
rm -f "$OUT/hv.json" "$OUT/ht.json"
rm -rf "$OUT/cm1" "$OUT/cm2" "$OUT/jq-products.ndjson" "$OUT/roundtrip.json"

# 4. The big runs: a million products with --jobs 2, as NDJSON and as one JSON array ----------
if [ "$BIG" != 0 ]; then
    BIGSHOP=$(shop "$BIG_PRODUCTS")
    BIGFILE="$BIGSHOP/articoli.ndjson"
    BIG_RECORDS=$(wc -l < "$BIGFILE")
    BIG_SIZE=$(stat -c %s "$BIGFILE")
    # The same records as one pretty JSON array (an element per line).
    { echo "["; sed '$!s/$/,/' "$BIGFILE"; echo "]"; } > "$BIGARRAY"
    BIG_ARRAY_SIZE=$(stat -c %s "$BIGARRAY")
    cat "$BIGFILE" > /dev/null
    cm big 2 "$BIGFILE" "$OUT/big"
    BIG_REJECTED=$(jq -r '.entities[] | select(.entity == "products") | .rejected' "$OUT/big/report.json")
    rm -rf "$OUT/big"
    cm bigarray 2 "$BIGARRAY" "$OUT/bigarray"
    rm -rf "$OUT/bigarray"
    rm -f "$BIGARRAY"
fi

# 5. The report ------------------------------------------------------------------------------
fmt_row() { # name seconds kb records bytes
    awk -v n="$1" -v t="$2" -v kb="$3" -v r="$4" -v b="$5" 'BEGIN {
        printf "| %s | %.2f | %.0f | %.1f | %.0f |\n", n, t, r / t, b / 1e6 / t, kb / 1024 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
verdict() { awk -v x="$1" -v min="$2" 'BEGIN { print (x >= min ? "**pass**" : "**FAIL**") }'; }

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo
echo "Input: \`$ART\`: $RECORDS articles ($WRITTEN written as products), $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB;"
echo "clerkmap at $REV."
echo "machine: $(nproc) CPUs ($CPU), $(jq --version); best of $RUNS runs (jq: $JQ_RUNS), warm page cache;"
echo "load average $LOAD_BEFORE before the runs, $(cut -d' ' -f1-3 /proc/loadavg) after."
echo "clerkmap and jq products: $AGREE."
echo
echo "| tool | wall s (best) | records/s | MB/s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
fmt_row "clerkmap --jobs 1" "${T[cm1]}" "${RSS[cm1]}" "$RECORDS" "$BYTES"
fmt_row "clerkmap --jobs 2" "${T[cm2]}" "${RSS[cm2]}" "$RECORDS" "$BYTES"
fmt_row "jq (benches/products.jq)" "${T[jq]}" "${RSS[jq]}" "$RECORDS" "$BYTES"
fmt_row "serde_json \`Value\` round trip (1 thread)" "${T[rt]}" "${RSS[rt]}" "$RECORDS" "$BYTES"
fmt_row "products mapping by hand over \`Value\` (1 thread)" "${T[hv]}" "${RSS[hv]}" "$RECORDS" "$BYTES"
fmt_row "products mapping by hand over borrowed structs (1 thread)" "${T[ht]}" "${RSS[ht]}" "$RECORDS" "$BYTES"
if [ "$BIG" != 0 ]; then
    fmt_row "clerkmap --jobs 2, $BIG_RECORDS articles NDJSON ($BIG_REJECTED rejected)" "${T[big]}" "${RSS[big]}" "$BIG_RECORDS" "$BIG_SIZE"
    fmt_row "clerkmap --jobs 2, the same as one JSON array" "${T[bigarray]}" "${RSS[bigarray]}" "$BIG_RECORDS" "$BIG_ARRAY_SIZE"
fi
echo
S12=$(ratio "${T[cm1]}" "${T[cm2]}")
# A best --jobs 2 run against a best --jobs 1 run of another round can flatter the ratio on a
# noisy machine: the median of the rounds' own pairs says how it usually is.
S12M=$(printf '%s\n' "${PAIRS[@]}" | sort -g | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m }')
PAIRS_SHOWN=$(printf '%s\n' "${PAIRS[@]}" | awk '{ printf "%s%.2f", (NR > 1 ? ", " : ""), $1 }')
SJQ=$(ratio "${T[jq]}" "${T[cm2]}")
SRT=$(ratio "${T[rt]}" "${T[cm1]}")
SHV=$(ratio "${T[hv]}" "${T[cm1]}")
SHT=$(ratio "${T[ht]}" "${T[cm1]}")
echo "| ratio | value | target | verdict |"
echo "|---|---:|---:|---|"
echo "| clerkmap 1 thread vs serde_json \`Value\` round trip | ${SRT}× | ≥ 1.2× | $(verdict "$SRT" 1.2) |"
echo "| clerkmap 1 thread vs the mapping by hand over \`Value\` | ${SHV}× | (baseline) | |"
echo "| clerkmap 1 thread vs the mapping by hand over borrowed structs | ${SHT}× | (baseline) | |"
echo "| clerkmap 2 threads vs 1 thread | ${S12}× | ≥ 1.8× | $(verdict "$S12" 1.8) |"
echo "| the same, median of the rounds' pairs (${PAIRS_SHOWN}) | ${S12M}× | ≥ 1.8× | $(verdict "$S12M" 1.8) |"
echo "| clerkmap 2 threads vs jq | ${SJQ}× | ≥ 50× | $(verdict "$SJQ" 50) |"
if [ "$BIG" != 0 ]; then
    BIG_MB=$(awk -v kb="${RSS[big]}" 'BEGIN { printf "%.0f", kb / 1024 }')
    ARR=$(ratio "${RSS[bigarray]}" "${RSS[big]}")
    echo "| $BIG_RECORDS articles, --jobs 2: wall time | ${T[big]} s | < 15 s | $(awk -v t="${T[big]}" 'BEGIN { print (t < 15 ? "**pass**" : "**FAIL**") }') |"
    echo "| $BIG_RECORDS articles, --jobs 2: peak RSS | ${BIG_MB} MB | < 250 MB | $(awk -v m="$BIG_MB" 'BEGIN { print (m < 250 ? "**pass**" : "**FAIL**") }') |"
    echo "| JSON array vs NDJSON peak RSS ($(awk -v b="$BIG_ARRAY_SIZE" 'BEGIN { printf "%.2f", b / 1e9 }') GB array) | ${ARR}× | ≤ 1.2× | $(awk -v x="$ARR" 'BEGIN { print (x <= 1.2 ? "**pass**" : "**FAIL**") }') |"
fi
