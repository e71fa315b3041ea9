#!/usr/bin/env bash
# Peak memory and time of `group by` on a large WooCommerce-style CSV export (issue 9): N variable
# products, each with 4 variations. `woo-end.csv` lists every variation after all the products
# (as WooCommerce exports them: grouped through the sorter, the file read twice);
# `woo-together.csv` has each product's variations right after it (grouped as it streams).
# Usage: benches/group-memory.sh [WORKDIR]   (N=800000 by default; the files are deleted after)
set -euo pipefail
N=${N:-800000}
DIR=${1:-target/bench-group}
BIN=${BIN:-target/release/clerkmap}
mkdir -p "$DIR"
[ -n "${KEEP:-}" ] || trap 'rm -f "$DIR/woo-end.csv" "$DIR/woo-together.csv"' EXIT
python3 - "$N" "$DIR" <<'PY'
import sys
n, d = int(sys.argv[1]), sys.argv[2]
head = "ID,Type,SKU,Name,Published,Regular price,Parent,Attribute 1 value(s),Stock,Description\n"
desc = "A soft cotton tee with a relaxed fit and ribbed collar and a small embroidered logo on the chest"
sizes = ["S", "M", "L", "XL"]
def product(i):
    return f"{i},variable,P{i},Product {i},1,,,,,{desc}\n"
def variations(i):
    return "".join(
        f"{n + 4 * i + j},variation,P{i}-{s},Product {i} {s},1,{10 + j}.50,P{i},{s},{j},{desc}\n"
        for j, s in enumerate(sizes))
with open(f"{d}/woo-end.csv", "w") as f:
    f.write(head)
    for i in range(n): f.write(product(i))
    for i in range(n): f.write(variations(i))
with open(f"{d}/woo-together.csv", "w") as f:
    f.write(head)
    for i in range(n): f.write(product(i)); f.write(variations(i))
PY
cat > "$DIR/woo.cmap" <<'CMAP'
products from woo group by .Parent ?? .SKU where .Published == "1" {
  id          = .SKU
  name        = .Name
  description = .Description
  price       = min(rows[*]."Regular price" | decimal)
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/" ~ .SKU
  categories  = ["C"]
  created_at  = 0
  sizes       = rows[? .Type == "variation"]."Attribute 1 value(s)"
  stock       = sum(rows[*].Stock | decimal) | int
}
CMAP
echo "| input | size MB | rows | wall s | peak RSS MB |"
echo "|---|---:|---:|---:|---:|"
for f in woo-together woo-end; do
  size=$(( $(stat -c %s "$DIR/$f.csv") / 1000000 ))
  rows=$(( $(wc -l < "$DIR/$f.csv") - 1 ))
  out=$( { /usr/bin/time -f '%e %M' "$BIN" run "$DIR/woo.cmap" --input "woo=$DIR/$f.csv" \
            --out "$DIR/out-$f" --jobs 2 --quiet >/dev/null; } 2>&1 | tail -1)
  read -r wall rss <<<"$out"
  echo "| $f.csv | $size | $rows | $wall | $(( rss / 1024 )) |"
  # piped: always through the sorter, read once
  out=$( { /usr/bin/time -f '%e %M' "$BIN" run "$DIR/woo.cmap" --input "woo=-" --input-format woo=csv \
            --out "$DIR/out-$f-pipe" --jobs 2 --quiet <"$DIR/$f.csv" >/dev/null; } 2>&1 | tail -1)
  read -r wall rss <<<"$out"
  echo "| $f.csv from a pipe | $size | $rows | $wall | $(( rss / 1024 )) |"
done
cmp <(jq -c '.[]' "$DIR/out-woo-end/products.json" | sort) <(jq -c '.[]' "$DIR/out-woo-together/products.json" | sort) \
  && echo "(the products of both files are the same)"
