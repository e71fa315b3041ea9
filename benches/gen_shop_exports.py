#!/usr/bin/env python3
"""Deterministic WooCommerce and Shopify product exports for the benchmarks (stdlib only).

usage: python3 benches/gen_shop_exports.py OUTDIR [--products N] [--variations N] [--seed N]
                                           [--only woocommerce|shopify]

Writes, in the shape the platforms' own "Products > Export" writes them:

- OUTDIR/wc-product-export.csv: WooCommerce (Products > Export, all columns, UTF-8 with a BOM,
  PHP fputcsv quoting). N products (about 60% variable, 31% simple, 4% simple downloadable
  virtual, 3% external, 2% grouped) in ID order, then every variation (Type `variation`,
  `Parent` = the parent's SKU, or `id:NN` when the parent has none) after all the products,
  as WooCommerce writes them. Descriptions are HTML with the literal `\\n` sequences
  WooCommerce writes for line breaks; categories are `Parent > Child` paths, several per cell,
  with escaped commas (`Sale\\, Clearance`); about 5% of the products are drafts, private or
  hidden from the catalogue.
- OUTDIR/products_export.csv: Shopify (Products > Export, "All products", "CSV for Excel,
  Numbers, or other spreadsheet programs"): N products whose variant rows number VARIATIONS in
  all (40% of the products have the single "Default Title" variant, the others Size/Color/
  Material options), plus an image-only row (Handle, Image Src, Image Position) for every image
  beyond the variants. Rows of a product are consecutive, as Shopify writes them.

Same arguments, same bytes. Defaults: 100,000 products and 300,000 variations, seed 7.
"""

import argparse
import os
import random
import sys

# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def php_fputcsv(fields):
    """One CSV line as PHP's fputcsv(..., ',', '"', "\\0") writes it (WooCommerce's exporter):
    a field is quoted when it holds the delimiter, a quote, a line break, a tab or a space."""
    out = []
    for f in fields:
        s = "" if f is None else str(f)
        if any(c in s for c in ',"\n\r\t '):
            s = '"' + s.replace('"', '""') + '"'
        out.append(s)
    return ",".join(out) + "\n"


def minimal_csv(fields):
    """One CSV line quoted only where needed (Shopify's export)."""
    out = []
    for f in fields:
        s = "" if f is None else str(f)
        if any(c in s for c in ',"\n\r'):
            s = '"' + s.replace('"', '""') + '"'
        out.append(s)
    return ",".join(out) + "\n"


def wc_implode(values):
    """WooCommerce's implode_values: ", " between values, commas inside a value escaped."""
    return ", ".join(v.replace(",", "\\,") for v in values)


def wc_description(html):
    """WooCommerce's filter_description_field: line breaks written as the two characters \\n."""
    return html.replace("\\n", "\\\\n").replace("\n", "\\n")


# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------

WC_COLUMNS = [
    "ID", "Type", "SKU", "GTIN, UPC, EAN, or ISBN", "Name", "Published", "Is featured?",
    "Visibility in catalog", "Short description", "Description", "Date sale price starts",
    "Date sale price ends", "Tax status", "Tax class", "In stock?", "Stock", "Low stock amount",
    "Backorders allowed?", "Sold individually?", "Weight (kg)", "Length (cm)", "Width (cm)",
    "Height (cm)", "Allow customer reviews?", "Purchase note", "Sale price", "Regular price",
    "Categories", "Tags", "Shipping class", "Images", "Download limit", "Download expiry days",
    "Parent", "Grouped products", "Upsells", "Cross-sells", "External URL", "Button text",
    "Position", "Brands",
]


def wc_attribute_columns(n):
    """The attribute columns as the exporter adds them (default only for variable products)."""
    cols = []
    for i in range(1, n + 1):
        cols += [f"Attribute {i} name", f"Attribute {i} value(s)", f"Attribute {i} visible",
                 f"Attribute {i} global", f"Attribute {i} default"]
    return cols


SHOPIFY_COLUMNS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name", "Option2 Value",
    "Option2 Linked To", "Option3 Name", "Option3 Value", "Option3 Linked To", "Variant SKU",
    "Variant Grams", "Variant Inventory Tracker", "Variant Inventory Qty",
    "Variant Inventory Policy", "Variant Fulfillment Service", "Variant Price",
    "Variant Compare At Price", "Variant Requires Shipping", "Variant Taxable", "Variant Barcode",
    "Image Src", "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Google Shopping / Google Product Category", "Google Shopping / Gender",
    "Google Shopping / Age Group", "Google Shopping / MPN", "Google Shopping / Condition",
    "Google Shopping / Custom Product", "Variant Image", "Variant Weight Unit", "Variant Tax Code",
    "Cost per item", "Included / International", "Price / International",
    "Compare At Price / International", "Status",
]

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

WC_CATEGORIES = [
    "Clothing > Tshirts", "Clothing > Hoodies", "Clothing > Accessories", "Clothing > Shoes > Running",
    "Clothing > Shoes > Casual", "Decor", "Decor > Lighting", "Music > Albums", "Music > Singles",
    "Kitchen > Cookware", "Kitchen > Tableware", "Garden > Tools", "Garden > Furniture",
    "Sale, Clearance", "Sports > Cycling", "Sports > Running", "Toys > Puzzles", "Books > Fiction",
    "Books > Cooking", "Electronics > Audio > Headphones", "Electronics > Audio > Speakers",
]
SHOPIFY_CATEGORIES = [
    "Apparel & Accessories > Clothing > Shirts & Tops",
    "Apparel & Accessories > Clothing > Activewear",
    "Apparel & Accessories > Clothing > Outerwear > Coats & Jackets",
    "Apparel & Accessories > Clothing Accessories > Hats",
    "Apparel & Accessories > Shoes",
    "Home & Garden > Decor > Candles",
    "Home & Garden > Kitchen & Dining > Cookware & Bakeware",
    "Home & Garden > Lawn & Garden > Gardening",
    "Sporting Goods > Outdoor Recreation > Cycling",
    "Electronics > Audio > Audio Components > Headphones & Headsets",
    "Media > Books > Print Books",
    "Toys & Games > Puzzles",
]
ADJECTIVES = ["Classic", "Organic", "Vintage", "Premium", "Everyday", "Slim", "Heavy", "Urban",
              "Coastal", "Alpine", "Soft", "Bold", "Minimal", "Retro", "Lightweight", "Modern"]
NOUNS = ["Hoodie", "T-Shirt", "Beanie", "Cap", "Sneaker", "Lamp", "Mug", "Pan", "Trowel",
         "Chair", "Helmet", "Jersey", "Puzzle", "Novel", "Cookbook", "Headphones", "Speaker",
         "Scarf", "Jacket", "Candle", "Bottle", "Backpack"]
COLORS = ["Black", "White", "Blue", "Red", "Green", "Grey", "Navy", "Yellow", "Pink", "Orange"]
SIZES = ["XS", "Small", "Medium", "Large", "XL", "XXL"]
MATERIALS = ["Cotton", "Wool", "Linen", "Polyester", "Recycled polyester", "Bamboo"]
BRANDS = ["Northwind", "Acme", "Woo", "Fjord & Co", "Umbra", "Kestrel", "Lumen"]
TAGS = ["summer", "winter", "gift", "new", "bestseller", "eco", "limited", "sale"]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt "
         "ut labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco "
         "laboris nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate "
         "velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident "
         "sunt culpa qui officia deserunt mollit anim id est laborum").split()


def sentence(rng, n):
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def html_description(rng):
    paras = [f"<p>{sentence(rng, rng.randint(12, 30))}</p>" for _ in range(rng.randint(1, 3))]
    items = "".join(f"\n<li>{sentence(rng, rng.randint(3, 6))}</li>" for _ in range(rng.randint(2, 4)))
    return "\n".join(paras) + f"\n<ul>{items}\n</ul>"


def price(rng, lo, hi):
    return f"{rng.randint(lo * 100, hi * 100) / 100:.2f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------------------------------------
# WooCommerce
# ---------------------------------------------------------------------------------------------

WC_SITE = "https://shop.example.test"


def split_counts(rng, total, parts, lo, hi):
    """`parts` counts in [lo, hi] (as far as possible) summing to `total`."""
    if parts == 0:
        return []
    base, extra = divmod(total, parts)
    counts = [base + (1 if i < extra else 0) for i in range(parts)]
    # Shuffle the amounts around while keeping the sum: move one unit from i to j.
    for _ in range(parts):
        i, j = rng.randrange(parts), rng.randrange(parts)
        if counts[i] > lo and counts[j] < hi:
            counts[i] -= 1
            counts[j] += 1
    return counts


def gen_woocommerce(path, products, variations, seed):
    rng = random.Random(seed)
    types = []
    for _ in range(products):
        r = rng.random()
        types.append("variable" if r < 0.60 else "simple" if r < 0.91 else
                     "simple, downloadable, virtual" if r < 0.95 else
                     "external" if r < 0.98 else "grouped")
    n_variable = types.count("variable")
    if n_variable == 0 and variations:
        sys.exit("gen_shop_exports: no variable product to hold the variations")
    counts = iter(split_counts(rng, variations, n_variable, 1, 12))
    first_id = 10
    next_var_id = first_id + products
    header = WC_COLUMNS + wc_attribute_columns(3)
    rows, var_rows, simple_keys = [], [], []
    for i, kind in enumerate(types):
        pid = first_id + i
        noun = rng.choice(NOUNS)
        name = f"{rng.choice(ADJECTIVES)} {noun} {pid}"
        sku = "" if rng.random() < 0.05 else f"woo-{noun.lower()}-{pid}"
        key = sku or f"id:{pid}"
        r = rng.random()
        published = "-1" if r < 0.02 else "0" if r < 0.03 else "1"
        visibility = "hidden" if rng.random() < 0.02 else rng.choice(["visible"] * 8 + ["catalog", "search"])
        cats = rng.sample(WC_CATEGORIES, rng.choice([1, 1, 1, 2, 2, 3]))
        images = [f"{WC_SITE}/wp-content/uploads/2026/0{rng.randint(1, 9)}/{noun.lower()}-{pid}-{k}.jpg"
                  for k in range(rng.randint(0, 4))]
        row = dict.fromkeys(header, "")
        row.update({
            "ID": pid, "Type": kind, "SKU": sku, "Name": name, "Published": published,
            "Is featured?": "1" if rng.random() < 0.05 else "0", "Visibility in catalog": visibility,
            "Short description": wc_description(f"<p>{sentence(rng, rng.randint(6, 14))}</p>"),
            "Description": wc_description(html_description(rng)),
            "Tax status": "taxable", "In stock?": "1", "Backorders allowed?": "0",
            "Sold individually?": "0", "Allow customer reviews?": "1",
            "Categories": wc_implode(cats),
            "Tags": wc_implode(rng.sample(TAGS, rng.randint(0, 3))),
            "Images": wc_implode(images), "Position": "0",
            "Brands": rng.choice(BRANDS) if rng.random() < 0.7 else "",
        })
        if kind != "variable" and kind != "grouped":
            regular = price(rng, 5, 300)
            row["Regular price"] = regular
            if rng.random() < 0.2:
                row["Sale price"] = price(rng, 1, int(float(regular)) or 1)
                if rng.random() < 0.3:
                    row["Date sale price starts"] = "2026-11-01 0:00:00"
                    row["Date sale price ends"] = "2026-12-31 23:59:59"
            if kind.startswith("simple"):
                stock = rng.randint(0, 50)
                row.update({"Stock": stock, "In stock?": "1" if stock else "0", "Weight (kg)": "0.5"})
                simple_keys.append(key)
            if kind == "external":
                row.update({"External URL": f"https://partner.example.test/p/{pid}", "Button text": "Buy on partner site"})
        attrs = []
        if kind == "variable":
            n_var = next(counts)
            colors = rng.sample(COLORS, min(len(COLORS), max(1, (n_var + 1) // 2)))
            sizes = rng.sample(SIZES, min(len(SIZES), max(1, -(-n_var // len(colors)))))
            combos = [(c, s) for c in colors for s in sizes][:n_var]
            while len(combos) < n_var:  # more variations than colour x size: materials vary too
                combos.append((rng.choice(colors), rng.choice(sizes)))
            attrs = [("Color", colors, "1", "1", colors[0]), ("Size", sizes, "1", "1", "")]
            for k, (c, s) in enumerate(combos):
                vid = next_var_id
                next_var_id += 1
                v = dict.fromkeys(header, "")
                regular = price(rng, 10, 200)
                v.update({
                    "ID": vid, "Type": "variation", "SKU": f"{sku or 'var'}-{vid}",
                    "Name": f"{name} - {c}, {s}", "Published": "0" if rng.random() < 0.03 else "1",
                    "Is featured?": "0", "Visibility in catalog": "visible",
                    "Tax status": "taxable", "Tax class": "parent", "Backorders allowed?": "0",
                    "Sold individually?": "0", "Allow customer reviews?": "0",
                    "Regular price": regular, "Parent": key, "Position": k + 1,
                    "Attribute 1 name": "Color", "Attribute 1 value(s)": c, "Attribute 1 global": "1",
                    "Attribute 2 name": "Size", "Attribute 2 value(s)": s, "Attribute 2 global": "1",
                })
                if rng.random() < 0.15:
                    v["Sale price"] = price(rng, 5, int(float(regular)))
                if rng.random() < 0.5:
                    stock = rng.randint(0, 30)
                    v.update({"Stock": stock, "In stock?": "1" if stock else "0"})
                else:
                    v.update({"Stock": "parent" if rng.random() < 0.2 else "", "In stock?": "1"})
                if rng.random() < 0.4:
                    v["Images"] = f"{WC_SITE}/wp-content/uploads/2026/05/{noun.lower()}-{vid}.jpg"
                var_rows.append(v)
        elif kind == "grouped" and simple_keys:
            row["Grouped products"] = wc_implode(rng.sample(simple_keys, min(len(simple_keys), rng.randint(2, 4))))
        if rng.random() < 0.5:
            attrs.append(("Material", rng.sample(MATERIALS, rng.randint(1, 2)), "1", "0", ""))
        for k, (an, av, vis, glob, default) in enumerate(attrs, start=1):
            row.update({f"Attribute {k} name": an, f"Attribute {k} value(s)": wc_implode(av),
                        f"Attribute {k} visible": vis, f"Attribute {k} global": glob,
                        f"Attribute {k} default": default if kind == "variable" else ""})
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\ufeff")
        f.write(php_fputcsv(header))
        for row in rows + var_rows:
            f.write(php_fputcsv([row[c] for c in header]))


# ---------------------------------------------------------------------------------------------
# Shopify
# ---------------------------------------------------------------------------------------------


def gen_shopify(path, products, variations, seed):
    rng = random.Random(seed + 1)
    single = [rng.random() < 0.4 for _ in range(products)]
    n_multi = single.count(False)
    rest = variations - single.count(True)
    if n_multi == 0 or rest < n_multi:
        sys.exit("gen_shop_exports: too few variations for the Shopify products")
    counts = iter(split_counts(rng, rest, n_multi, 2, 24))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(minimal_csv(SHOPIFY_COLUMNS))
        for i in range(products):
            noun = rng.choice(NOUNS)
            title = f"{rng.choice(ADJECTIVES)} {noun} {i + 1}"
            handle = f"{title.lower().replace(' ', '-')}"
            status = rng.choices(["active", "draft", "archived"], [96, 3, 1])[0]
            images = [f"https://cdn.shopify.com/s/files/1/0000/0001/files/{handle}-{k}.jpg?v=17000000{k}"
                      for k in range(rng.randint(1, 5))]
            if single[i]:
                variants = [("Title", "Default Title", None, None, None, None)]
            else:
                n = next(counts)
                colors = rng.sample(COLORS, min(len(COLORS), max(1, (n + 1) // 2)))
                sizes = rng.sample(SIZES, min(len(SIZES), max(1, -(-n // len(colors)))))
                material = rng.choice(MATERIALS)
                combos = [(c, s) for c in colors for s in sizes][:n]
                mats = [material] * len(combos)
                while len(combos) < n:
                    combos.append((rng.choice(colors), rng.choice(sizes)))
                    mats.append(rng.choice(MATERIALS))
                variants = [("Size", s, "Color", c, "Material", m) for (c, s), m in zip(combos, mats)]
            first = True
            for k, (o1n, o1v, o2n, o2v, o3n, o3v) in enumerate(variants):
                row = dict.fromkeys(SHOPIFY_COLUMNS, "")
                regular = price(rng, 5, 300)
                on_sale = rng.random() < 0.2
                row.update({
                    "Handle": handle, "Option1 Value": o1v, "Option2 Value": o2v or "",
                    "Option3 Value": o3v or "", "Variant SKU": f"SH-{i + 1}-{k + 1}",
                    "Variant Grams": rng.randint(50, 2000), "Variant Inventory Tracker": "shopify",
                    "Variant Inventory Qty": rng.randint(-2, 40),
                    "Variant Inventory Policy": "continue" if rng.random() < 0.05 else "deny",
                    "Variant Fulfillment Service": "manual",
                    "Variant Price": f"{float(price(rng, 1, int(float(regular)))):.2f}" if on_sale else f"{float(regular):.2f}",
                    "Variant Compare At Price": f"{float(regular):.2f}" if on_sale else "",
                    "Variant Requires Shipping": "true", "Variant Taxable": "true",
                    "Variant Barcode": f"{rng.randint(10**12, 10**13 - 1)}",
                    "Variant Weight Unit": "kg", "Included / International": "true",
                })
                if k < len(images):
                    row.update({"Image Src": images[k], "Image Position": k + 1, "Image Alt Text": title if k == 0 else ""})
                if first:
                    cat = rng.choice(SHOPIFY_CATEGORIES)
                    row.update({
                        "Title": title, "Body (HTML)": html_description(rng),
                        "Vendor": rng.choice(BRANDS), "Product Category": cat,
                        "Type": cat.split(" > ")[-1], "Tags": ", ".join(rng.sample(TAGS, rng.randint(0, 3))),
                        "Published": "true" if status == "active" and rng.random() < 0.98 else "false",
                        "Option1 Name": o1n, "Option2 Name": o2n or "", "Option3 Name": o3n or "",
                        "Gift Card": "false", "Status": status,
                    })
                    first = False
                f.write(minimal_csv([row[c] for c in SHOPIFY_COLUMNS]))
            for k in range(len(variants), len(images)):
                row = dict.fromkeys(SHOPIFY_COLUMNS, "")
                row.update({"Handle": handle, "Image Src": images[k], "Image Position": k + 1})
                f.write(minimal_csv([row[c] for c in SHOPIFY_COLUMNS]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--products", type=int, default=100_000)
    ap.add_argument("--variations", type=int, default=300_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--only", choices=["woocommerce", "shopify"])
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    if a.only in (None, "woocommerce"):
        gen_woocommerce(os.path.join(a.outdir, "wc-product-export.csv"), a.products, a.variations, a.seed)
    if a.only in (None, "shopify"):
        gen_shopify(os.path.join(a.outdir, "products_export.csv"), a.products, a.variations, a.seed)


if __name__ == "__main__":
    main()
