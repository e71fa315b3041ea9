# The `products` block of mappings/passweb.cmap, written in jq: the baseline clerkmap is
# compared with in benches/compare.sh. Streams NDJSON in, NDJSON out (one product a line):
#
#   jq -c -n --rawfile categorie categorie.csv [--arg site https://shop.example.test] \
#      -f benches/products.jq articoli.ndjson > products.ndjson
#
# Works with jq 1.6 and later (no `trim`, `ltrimstr`-only builtins from 1.7 are used).
# Differences from clerkmap (see BENCHMARKS.md): NDJSON instead of a JSON array; no record
# validation, no rejects, no duplicate-id check; an unknown category code is kept rather than
# rejected; attribute-name transliteration covers Italian accented vowels only; HTML entities
# decoded are the common named ones and &#39;, not all of HTML5.

($ARGS.named.site // "https://shop.example.test") as $site
| "/Resources/img/placeholder.jpg" as $placeholder

# The category tree from categorie.csv (codice;codicePadre;...): {codice: codicePadre}.
| ($categorie
   | split("\n")
   | .[1:]
   | map(rtrimstr("\r") | select(length > 0) | split(";") | {key: .[0], value: (.[1] // "")})
   | from_entries) as $parent

# Helpers -----------------------------------------------------------------------------------
| def trim_ws: sub("^\\s+"; "") | sub("\\s+$"; "");
  # Italian decimals: "1.137,12" -> 1137.12, "2,000000" -> 2; null/"" -> null.
  def decimal: if . == null or . == "" then null
               else split(".") | join("") | split(",") | join(".") | tonumber end;
  def int_: decimal | if . == null then null else floor end;
  # Order-preserving unique of strings.
  def uniq: reduce .[] as $x ({seen: {}, out: []};
              if .seen[$x] then . else .seen[$x] = true | .out += [$x] end) | .out;
  def compact: map(select(. != null and . != ""));
  # Absolute URL: site + path, non-ASCII path segments percent-encoded.
  def absolute_url:
    if . == null then null
    else trim_ws
      | if . == "" then null
        elif startswith("http://") or startswith("https://") then .
        elif startswith("//") then "https:" + .
        elif startswith("/") then $site + .
        else $site + "/" + . end
      | if test("^[\\x21-\\x7e]*$") then .
        else split("/") | map(if test("^[\\x21-\\x7e]*$") then . else @uri end) | join("/") end
    end;
  # Inline tags vanish, other tags become a space, a few entities are decoded, whitespace
  # runs collapse to one space.
  def strip_html:
    if . == null then null
    else gsub("<!--.*?-->"; " ")
      | gsub("</?(a|abbr|b|big|cite|code|del|em|font|i|ins|mark|s|small|span|strike|strong|sub|sup|tt|u)(\\s[^>]*)?/?>"; ""; "i")
      | gsub("</?[a-zA-Z][^>]*>"; " ")
      | if test("&") then
          gsub("&nbsp;"; " ") | gsub("&deg;"; "°") | gsub("&lt;"; "<") | gsub("&gt;"; ">")
          | gsub("&quot;"; "\"") | gsub("&#39;"; "'") | gsub("&amp;"; "&")
        else . end
      | gsub("\\s+"; " ") | trim_ws
    end;
  # Every ancestor of a category code, itself first.
  def chain: ., (($parent[.] // "") | select(. != "") | chain);
  # dd/mm/yyyy at midnight Europe/Rome -> unix seconds (EU DST rule: last Sunday of March to
  # last Sunday of October; exact from 1996 on).
  def rome_date:
    if . == null or . == "" then null
    else strptime("%d/%m/%Y") as $tm
      | ($tm | mktime) as $t
      | $tm[2] as $d | $tm[1] as $m
      | (if $m == 2 or $m == 9 then
           # the last Sunday of the month (March and October have 31 days)
           (31 - (((($t + (31 - $d) * 86400) / 86400 | floor) + 4) % 7)) as $last
           | if $m == 2 then (if $d > $last then 7200 else 3600 end)
             else (if $d <= $last then 7200 else 3600 end) end
         elif $m > 2 and $m < 9 then 7200
         else 3600 end) as $off
      | $t - $off
    end;
  # Clerk attribute names: ASCII, lower case, runs of other characters -> "_".
  def attribute_name:
    ascii_downcase
    | gsub("[àáâä]"; "a") | gsub("[èéêë]"; "e") | gsub("[ìíîï]"; "i") | gsub("[òóôö]"; "o")
    | gsub("[ùúûü]"; "u") | gsub("[ÀÁ]"; "a") | gsub("[ÈÉ]"; "e") | gsub("[ÌÍ]"; "i")
    | gsub("[ÒÓ]"; "o") | gsub("[ÙÚ]"; "u")
    | gsub("[^a-z0-9]+"; "_") | sub("^_+"; "") | sub("_+$"; "");

# The block --------------------------------------------------------------------------------
inputs
| select(.pubblicato == "SI")
| . as $r
| (.varianti // []) as $v
| ([$v[].prezzo | decimal] | compact) as $vprices
| ([$v[].unitaInStock | decimal] | compact) as $vstock
| ((if ($vprices | length) > 0 then $vprices | min else null end) // (.prezzo | decimal)) as $price
| (.prezzoListino | decimal) as $list_price
| ((if ($vstock | length) > 0 then $vstock | add else (.unitaInStock | decimal) end)
   | if . == null then null else floor end) as $stock
| ([$v[] | select((.unitaInStock | decimal // 0) > 0)]) as $avail
| {
    id: .codice,
    name: (.titolo | if . == null then null else trim_ws end),
    description: (.descrizioneHtml | strip_html),
    price: $price,
    list_price: $list_price,
    on_sale: (if $price != null and $list_price != null then $price < $list_price else null end),
    stock: $stock,
    in_stock: (if $stock != null then $stock > 0 else null end),
    image: ((first(.immagini[]? | select(.tipo == "catalogo") | .url)
             // first(.immagini[]?.url) // $placeholder) | absolute_url),
    url: (.url | absolute_url),
    categories: ([([.categoriaMerceologica] + (.categorieSecondarie // []))[]
                  | select(. != null and . != "") | chain] | uniq),
    created_at: (.dataCreazione | rome_date),
    index: (.catalogo != "NO"),
    brand: .attributi.Marca,
    sizes: ([$v[].taglia] | compact | uniq),
    colors: ([$v[].colore] | compact | uniq),
    sizes_available: ([$avail[].taglia] | compact | uniq),
    colors_available: ([$avail[].colore] | compact | uniq),
    variant_skus: [$v[].codice],
    variant_prices: [$v[].prezzo | decimal],
    variant_stocks: [$v[].unitaInStock | int_],
    materiale: (.attributi.Materiale
                | if . == null then null else split(",") | map(trim_ws) | compact end)
  }
| with_entries(select(.value != null))
# `... .attributi | omit(["Marca", "Materiale"])`: every other attribute, its name normalised,
# not overriding a set one; null and "" values left out.
| reduce (($r.attributi // {}) | del(.Marca, .Materiale) | to_entries[]
          | select(.value != null and .value != "")) as $e
    (.; ($e.key | attribute_name) as $k
        | if $k == "" or has($k) then . else .[$k] = $e.value end)
