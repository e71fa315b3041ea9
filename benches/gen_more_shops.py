#!/usr/bin/env python3
"""Magento 2, PrestaShop and Google Merchant exports in the platforms' shapes (stdlib only).

usage: python3 benches/gen_more_shops.py OUTDIR [--copies N] [--only magento2|prestashop|google]

Writes a small catalogue (the committed examples of mappings/examples/ are this script's
output with the default --copies 1), repeated N times with renumbered SKUs for benchmarks:

- OUTDIR/magento2/catalog_product.csv: Magento 2 (System > Data Transfer > Export, Products),
  PHP fputcsv quoting. Configurable products after their simple children ("Not Visible
  Individually") with `configurable_variations` (`sku=..,size=..,color=..|...`) and
  `configurable_variation_labels`; `additional_attributes` with a multiple select
  (`activity=Gym|Hiking`) and a quoted value holding a comma; `categories` with several
  `Default Category/...` paths per row (one name holding `&`); a grouped product
  (`associated_skus`); a dynamic bundle (`bundle_values`); a disabled product; a store-view row
  (`store_view_code` de, only the translated name); special prices with and without dates.
- OUTDIR/prestashop/products.csv and combinations.csv: PrestaShop's import CSVs (`;`, the
  columns of its sample files): products with `Categories (x,y,z...)` names, features
  (`Name:Value:Position`), image URLs, a discount; combinations with `Attribute
  (Name:Type:Position)` and `Value (Value:Position)` cells, price impacts, quantities, the
  default combination; one combination row ends with an extra `;` (as PrestaShop's own sample).
- OUTDIR/google-merchant/feed.xml: a Google Merchant Center RSS 2.0 feed (`g:` namespace):
  `item_group_id` groups whose titles carry the variant (`Tee - Black / S`), a group of one,
  items without a group, availability spelled `in stock` (Google's older spelling) and
  `in_stock`, prices with their currency, `sale_price`, `product_type` with ` > ` levels.

Same arguments, same bytes.
"""

import argparse
import os

MAGENTO_COLUMNS = [
    "sku", "store_view_code", "attribute_set_code", "product_type", "categories",
    "product_websites", "name", "description", "short_description", "weight", "product_online",
    "tax_class_name", "visibility", "price", "special_price", "special_price_from_date",
    "special_price_to_date", "url_key", "meta_title", "base_image", "small_image",
    "thumbnail_image", "created_at", "updated_at", "new_from_date", "new_to_date",
    "additional_attributes", "qty", "out_of_stock_qty", "is_in_stock", "manage_stock",
    "related_skus", "additional_images", "bundle_price_type", "bundle_sku_type",
    "bundle_price_view", "bundle_weight_type", "bundle_values", "bundle_shipment_type",
    "associated_skus", "configurable_variations", "configurable_variation_labels",
]


def php_fputcsv(fields, delim=","):
    """One CSV line as PHP's fputcsv writes it: quoted when a field holds the delimiter, a quote,
    a line break, a tab or a space."""
    out = []
    for f in fields:
        s = "" if f is None else str(f)
        if any(c in s for c in delim + '"\n\r\t '):
            s = '"' + s.replace('"', '""') + '"'
        out.append(s)
    return delim.join(out) + "\n"


def magento_rows(copy):
    """The rows of one copy of the catalogue (`copy` 0 keeps the SKUs as they are)."""
    sfx = "" if copy == 0 else f"-{copy}"
    rows = []

    def row(**kw):
        r = {c: "" for c in MAGENTO_COLUMNS}
        r.update({
            "attribute_set_code": "Default", "product_websites": "base", "weight": "1",
            "product_online": "1", "tax_class_name": "Taxable Goods",
            "created_at": "3/15/24, 10:12 AM", "updated_at": "11/02/26, 4:40 PM",
            "manage_stock": "1", "out_of_stock_qty": "0",
        })
        r.update(kw)
        return r

    hoodie_cats = ("Default Category/Men/Tops/Hoodies & Sweatshirts,"
                   "Default Category/Collections/Eco Friendly")
    children = []
    for size, color, qty in [("XS", "Black", 12), ("XS", "Orange", 0), ("S", "Black", 7),
                             ("S", "Orange", 3)]:
        sku = f"MH01{sfx}-{size}-{color}"
        children.append((sku, size, color))
        rows.append(row(
            sku=sku, product_type="simple", categories=hoodie_cats,
            name=f"Chaz Kangeroo Hoodie-{size}-{color}", visibility="Not Visible Individually",
            price="52.0000", special_price="45.0000" if color == "Orange" else "",
            url_key=f"chaz-kangeroo-hoodie{sfx}-{size}-{color}".lower(),
            base_image=f"/m/h/mh01-{color.lower()}_main_1.jpg",
            additional_attributes=f"color={color},size={size}", qty=f"{qty}.0000",
            is_in_stock="1" if qty > 0 else "0",
        ))
    rows.append(row(
        sku=f"MH01{sfx}", product_type="configurable", categories=hoodie_cats,
        name="Chaz Kangeroo Hoodie",
        description="<p>Ideal for cold-weather training or work outdoors, the Chaz Hoodie "
                    "promises superior warmth with every wear.</p>\n<ul><li>Cotton, "
                    "polyester</li></ul>",
        short_description="A warm hoodie.", visibility="Catalog, Search", price="52.0000",
        url_key=f"chaz-kangeroo-hoodie{sfx}", meta_title="Chaz Kangeroo Hoodie",
        base_image="/m/h/mh01-gray_main_1.jpg", small_image="/m/h/mh01-gray_main_1.jpg",
        thumbnail_image="/m/h/mh01-gray_main_1.jpg",
        additional_attributes='activity=Gym|Hiking|Urban,eco_collection=1,'
                              'material="Cotton"|"Organic, recycled polyester",'
                              'style_general=Pullover,pattern=Solid',
        qty="0.0000", is_in_stock="1",
        additional_images="/m/h/mh01-gray_alt1_1.jpg,/m/h/mh01-gray_back_1.jpg",
        configurable_variations="|".join(f"sku={s},size={z},color={c}" for s, z, c in children),
        configurable_variation_labels="size=Size,color=Color",
    ))
    tee_cats = ",".join(f"Default Category/{p}" for p in [
        "Women", "Women/Tops", "Women/Tops/Tees", "Collections", "Collections/Yoga New",
        "Promotions/Tees All"])
    tee_children = []
    for size, qty in [("S", 4), ("M", 0), ("L", 9)]:
        sku = f"WS03{sfx}-{size}-Blue"
        tee_children.append((sku, size, "Blue"))
        rows.append(row(
            sku=sku, product_type="simple", categories=tee_cats,
            name=f"Iris Workout Top-{size}-Blue", visibility="Not Visible Individually",
            price="29.0000" if size != "L" else "31.0000",
            url_key=f"iris-workout-top{sfx}-{size}-blue".lower(),
            additional_attributes=f"color=Blue,size={size}", qty=f"{qty}.0000",
            is_in_stock="1" if qty > 0 else "0",
        ))
    rows.append(row(
        sku=f"WS03{sfx}", product_type="configurable", categories=tee_cats,
        name="Iris Workout Top", description="<p>The Iris Workout Top is sleeveless.</p>",
        visibility="Catalog, Search", price="29.0000", url_key=f"iris-workout-top{sfx}",
        base_image="/w/s/ws03-blue_main_1.jpg", created_at="1/08/25, 9:03 AM",
        additional_attributes="climate=Indoor|Warm,eco_collection=0,style_general=Tank",
        qty="0.0000", is_in_stock="1",
        configurable_variations="|".join(f"sku={s},size={z},color={c}"
                                         for s, z, c in tee_children),
        configurable_variation_labels="size=Size,color=Color",
    ))
    rows.append(row(
        sku=f"24-MB01{sfx}", product_type="simple",
        categories="Default Category/Gear,Default Category/Gear/Bags",
        name="Joust Duffle Bag", description="<p>The sporty Joust Duffle Bag can't be beat.</p>",
        visibility="Catalog, Search", price="34.0000", special_price="29.0000",
        special_price_from_date="1/01/26", special_price_to_date="12/31/26",
        url_key=f"joust-duffle-bag{sfx}", base_image="/m/b/mb01-blue-0.jpg",
        additional_attributes="activity=Gym|Travel,material=Nylon,strap_bags=Adjustable",
        qty="100.0000", is_in_stock="1",
    ))
    rows.append(row(
        sku=f"24-MB01{sfx}", store_view_code="de", product_websites="", weight="",
        product_online="", tax_class_name="", created_at="", updated_at="", manage_stock="",
        out_of_stock_qty="", name="Joust Reisetasche", attribute_set_code="Default",
        product_type="simple",
    ))
    for sku, name, price in [("24-WG085", "Sprite Yoga Strap 6 foot", "14.0000"),
                             ("24-WG086", "Sprite Yoga Strap 8 foot", "17.0000")]:
        rows.append(row(
            sku=sku + sfx, product_type="simple",
            categories="Default Category/Gear,Default Category/Gear/Fitness Equipment",
            name=name, visibility="Not Visible Individually", price=price,
            url_key=(name.lower().replace(" ", "-") + sfx), qty="50.0000", is_in_stock="1",
            additional_attributes="activity=Yoga,material=Cotton",
        ))
    rows.append(row(
        sku=f"24-WG085_Group{sfx}", product_type="grouped",
        categories="Default Category/Gear,Default Category/Gear/Fitness Equipment",
        name="Set of Sprite Yoga Straps", description="<p>Great set of Sprite Yoga Straps.</p>",
        visibility="Catalog, Search", price="", url_key=f"set-of-sprite-yoga-straps{sfx}",
        base_image="/l/u/luma-yoga-strap-set.jpg", qty="0.0000", is_in_stock="1",
        associated_skus=f"24-WG085{sfx}=1.0000,24-WG086{sfx}=1.0000",
    ))
    for sku, name, price, qty in [("24-WG081-gray", "Sprite Stasis Ball 55 cm", "23.0000", 0),
                                  ("24-WG084", "Sprite Foam Yoga Brick", "5.0000", 40)]:
        rows.append(row(
            sku=sku + sfx, product_type="simple",
            categories="Default Category/Gear,Default Category/Gear/Fitness Equipment",
            name=name, visibility="Catalog, Search", price=price,
            url_key=(name.lower().replace(" ", "-") + sfx), qty=f"{qty}.0000",
            is_in_stock="1" if qty else "0", base_image=f"/l/u/{sku}.jpg",
            additional_attributes="activity=Yoga|Gym",
        ))
    rows.append(row(
        sku=f"24-WG080{sfx}", product_type="bundle",
        categories="Default Category/Gear,Default Category/Gear/Fitness Equipment",
        name="Sprite Yoga Companion Kit", description="<p>A well-rounded yoga workout.</p>",
        visibility="Catalog, Search", price="", url_key=f"sprite-yoga-companion-kit{sfx}",
        base_image="/l/u/luma-yoga-kit-2.jpg", qty="0.0000", is_in_stock="1",
        bundle_price_type="dynamic", bundle_sku_type="dynamic",
        bundle_price_view="Price range", bundle_weight_type="dynamic",
        bundle_shipment_type="together",
        bundle_values="|".join([
            f"name=Sprite Stasis Ball,type=radio,required=1,sku=24-WG081-gray{sfx},"
            "price=0.0000,default=1,default_qty=1.0000,price_type=fixed,can_change_qty=0",
            f"name=Sprite Foam Yoga Brick,type=radio,required=1,sku=24-WG084{sfx},"
            "price=0.0000,default=1,default_qty=1.0000,price_type=fixed,can_change_qty=0",
        ]),
    ))
    rows.append(row(
        sku=f"24-UG01{sfx}", product_type="simple", categories="Default Category/Gear",
        name="Quest Lumaflex Band (discontinued)", visibility="Catalog, Search",
        product_online="2", price="19.0000", url_key=f"quest-lumaflex-band{sfx}",
        qty="0.0000", is_in_stock="0",
    ))
    return rows


def gen_magento(outdir, copies):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "catalog_product.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(php_fputcsv(MAGENTO_COLUMNS))
        for copy in range(copies):
            for r in magento_rows(copy):
                f.write(php_fputcsv([r[c] for c in MAGENTO_COLUMNS]))


PS_PRODUCT_COLUMNS = [
    "Product ID", "Active (0/1)", "Name *", "Categories (x,y,z...)", "Price tax excluded",
    "Tax rules ID", "Wholesale price", "On sale (0/1)", "Discount amount", "Discount percent",
    "Discount from (yyyy-mm-dd)", "Discount to (yyyy-mm-dd)", "Reference #",
    "Supplier reference #", "Supplier", "Manufacturer", "EAN13", "UPC", "MPN", "Ecotax",
    "Width", "Height", "Depth", "Weight", "Quantity", "Minimal quantity", "Low stock level",
    "Visibility", "Additional shipping cost", "Summary", "Description", "Tags (x,y,z...)",
    "Meta title", "Meta keywords", "Meta description", "URL rewritten", "Text when in stock",
    "Text when backorder allowed", "Available for order (0 = No, 1 = Yes)",
    "Product available date", "Product creation date", "Show price (0 = No, 1 = Yes)",
    "Image URLs (x,y,z...)", "Image alt texts (x,y,z...)",
    "Delete existing images (0 = No, 1 = Yes)", "Feature(Name:Value:Position)",
    "Available online only (0 = No, 1 = Yes)", "Condition", "ID / Name of shop",
]

PS_COMBINATION_COLUMNS = [
    "Product ID*", "Attribute (Name:Type:Position)*", "Value (Value:Position)*",
    "Supplier reference", "Reference", "EAN13", "UPC", "MPN", "Wholesale price",
    "Impact on price", "Ecotax", "Quantity", "Minimal quantity", "Low stock level",
    "Impact on weight", "Default (0 = No, 1 = Yes)", "Combination available date",
    "Image position", "Image URLs (x,y,z...)", "Image alt texts (x,y,z...)",
    "ID / Name of shop", "Advanced Stock Managment", "Depends on stock", "Warehouse",
]


def prestashop_rows(copy):
    base = copy * 100
    img = "https://shop.example.test/img/p"
    products = [
        {"Product ID": 1 + base, "Active (0/1)": 1, "Name *": "Hummingbird printed t-shirt",
         "Categories (x,y,z...)": "Home,Clothes,Men", "Price tax excluded": "23.90",
         "Tax rules ID": 1, "Reference #": f"demo_1_{copy}" if copy else "demo_1",
         "Manufacturer": "Studio Design", "Quantity": 0, "Visibility": "both",
         "Summary": "<p>Regular fit, round neckline, short sleeves.</p>",
         "Description": "<p>Symbol of lightness and delicacy, the hummingbird evokes "
                        "curiosity and joy.</p>",
         "Tags (x,y,z...)": "t-shirt,hummingbird", "URL rewritten":
         "hummingbird-printed-t-shirt", "Product creation date": "2024-03-15",
         "Available for order (0 = No, 1 = Yes)": 1, "Show price (0 = No, 1 = Yes)": 1,
         "Image URLs (x,y,z...)": f"{img}/1-home.jpg,{img}/2-home.jpg",
         "Feature(Name:Value:Position)": "Composition:Cotton:1,Property:Short sleeves:2",
         "Condition": "new", "ID / Name of shop": 1},
        {"Product ID": 2 + base, "Active (0/1)": 1, "Name *": "Hummingbird printed sweater",
         "Categories (x,y,z...)": "Home,Clothes,Women", "Price tax excluded": "35.90",
         "Tax rules ID": 1, "On sale (0/1)": 1, "Discount percent": 20,
         "Discount from (yyyy-mm-dd)": "2026-01-01", "Discount to (yyyy-mm-dd)": "2026-12-31",
         "Reference #": f"demo_3_{copy}" if copy else "demo_3", "Manufacturer": "Studio Design",
         "Quantity": 0, "Visibility": "both", "Description": "<p>Soft sweater; 100% wool.</p>",
         "URL rewritten": "brown-bear-printed-sweater", "Product creation date": "2024-03-15",
         "Image URLs (x,y,z...)": f"{img}/21-home.jpg",
         "Feature(Name:Value:Position)": "Composition:Wool:1,Property:Long sleeves:2",
         "Condition": "new", "ID / Name of shop": 1},
        {"Product ID": 3 + base, "Active (0/1)": 1, "Name *": "Mug The best is yet to come",
         "Categories (x,y,z...)": "Home,Accessories,Home Accessories",
         "Price tax excluded": "11.90", "Tax rules ID": 1,
         "Reference #": f"demo_11_{copy}" if copy else "demo_11", "Quantity": 300,
         "Visibility": "both", "Description": "<p>White mug, 325 ml.</p>",
         "URL rewritten": "mug-the-best-is-yet-to-come", "Product creation date": "2025-06-01",
         "Image URLs (x,y,z...)": f"{img}/6-home.jpg",
         "Feature(Name:Value:Position)": "Composition:Ceramic:1",
         "Condition": "new", "ID / Name of shop": 1},
        {"Product ID": 4 + base, "Active (0/1)": 0, "Name *": "Customizable mug",
         "Categories (x,y,z...)": "Home,Accessories", "Price tax excluded": "13.90",
         "Tax rules ID": 1, "Reference #": f"demo_14_{copy}" if copy else "demo_14",
         "Quantity": 0, "Visibility": "none", "Description": "<p>Your own text.</p>",
         "URL rewritten": "customizable-mug", "Product creation date": "2025-06-01",
         "Condition": "new", "ID / Name of shop": 1},
    ]
    combos = []

    def combo(pid, attrs, values, ref, impact, qty, default):
        c = {k: "" for k in PS_COMBINATION_COLUMNS}
        c.update({"Product ID*": pid + base, "Attribute (Name:Type:Position)*": attrs,
                  "Value (Value:Position)*": values, "Reference": ref,
                  "Wholesale price": 0, "Impact on price": impact, "Ecotax": 0,
                  "Quantity": qty, "Minimal quantity": 1, "Impact on weight": 0,
                  "Default (0 = No, 1 = Yes)": default, "ID / Name of shop": 1,
                  "Advanced Stock Managment": 0, "Depends on stock": 0, "Warehouse": 0})
        combos.append(c)

    sc = "Size:select:0, Color:color:1"
    combo(1, sc, "S:0, White:1", f"demo_1_s_white{copy or ''}", 0, 21, 1)
    combo(1, sc, "M:1, White:1", f"demo_1_m_white{copy or ''}", 0, 0, 0)
    combo(1, sc, "L:2, Black:2", f"demo_1_l_black{copy or ''}", 2, 9, 0)
    combo(2, "Size:select:0", "S:0", f"demo_3_s{copy or ''}", 0, 5, 1)
    combo(2, "Size:select:0", "M:1", f"demo_3_m{copy or ''}", 0, 3, 0)
    combo(2, "Size:select:0", "L:2", f"demo_3_l{copy or ''}", "4.5", 0, 0)
    return products, combos


def gen_prestashop(outdir, copies):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "products.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(php_fputcsv(PS_PRODUCT_COLUMNS, ";"))
        for copy in range(copies):
            for p in prestashop_rows(copy)[0]:
                f.write(php_fputcsv([p.get(c, "") for c in PS_PRODUCT_COLUMNS], ";"))
    with open(os.path.join(outdir, "combinations.csv"), "w", encoding="utf-8",
              newline="") as f:
        f.write(php_fputcsv(PS_COMBINATION_COLUMNS, ";"))
        for copy in range(copies):
            for i, c in enumerate(prestashop_rows(copy)[1]):
                line = php_fputcsv([c[k] for k in PS_COMBINATION_COLUMNS], ";")
                # PrestaShop's own sample ends a row with one `;` too many.
                if copy == 0 and i == 2:
                    line = line[:-1] + ";\n"
                f.write(line)


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def google_items(copy):
    sfx = "" if copy == 0 else f"-{copy}"
    site = "https://shop.example.test"
    items = []
    tee_type = "Apparel & Accessories > Clothing > Shirts & Tops"
    for color, size, avail, price, sale in [
        ("Black", "S", "in stock", "19.99 EUR", None),
        ("Black", "M", "out of stock", "19.99 EUR", None),
        ("White", "M", "in stock", "21.99 EUR", "17.99 EUR"),
    ]:
        items.append({
            "id": f"TEE1{sfx}-{color[0]}{size}", "item_group_id": f"TEE1{sfx}",
            "title": f"Organic Cotton Tee - {color} / {size}",
            "description": "<p>Soft organic cotton tee.</p>",
            "link": f"{site}/products/organic-cotton-tee{sfx}?variant={color}-{size}",
            "image_link": f"{site}/img/tee-{color.lower()}.jpg", "availability": avail,
            "price": price, "sale_price": sale, "brand": "Nordic Basics", "condition": "new",
            "gtin": None, "product_type": tee_type,
            "google_product_category": "Apparel & Accessories > Clothing > Shirts & Tops",
            "color": color, "size": size,
        })
    for color, avail in [("Black", "in_stock"), ("Grey", "in_stock")]:
        items.append({
            "id": f"HOOD2{sfx}-{color}", "item_group_id": f"HOOD2{sfx}",
            "title": f"Zip Hoodie Recycled - Color {color}",
            "description": "Zip hoodie in recycled polyester.",
            "link": f"{site}/products/zip-hoodie{sfx}",
            "image_link": f"{site}/img/hoodie-{color.lower()}.jpg",
            "additional_image_link": [f"{site}/img/hoodie-{color.lower()}-back.jpg",
                                      f"{site}/img/hoodie-{color.lower()}-side.jpg"],
            "availability": avail, "price": "49.00 EUR", "brand": "Nordic Basics",
            "product_type": "Apparel & Accessories > Clothing > Outerwear > Hoodies",
            "color": color,
        })
    items.append({
        "id": f"CAP3{sfx}-Red", "item_group_id": f"CAP3{sfx}",
        "title": "Wool Cap - Color Red", "description": "A warm cap.",
        "link": f"{site}/products/wool-cap{sfx}", "image_link": f"{site}/img/cap-red.jpg",
        "availability": "in stock", "price": "15.00 EUR", "brand": "Nordic Basics",
        "product_type": "Apparel & Accessories > Clothing Accessories > Hats", "color": "Red",
    })
    items.append({
        "id": f"MUG4{sfx}", "title": "Enamel Camping Mug", "description": "Enamel mug, 350 ml.",
        "link": f"{site}/products/enamel-mug{sfx}", "image_link": f"{site}/img/mug.jpg",
        "availability": "out_of_stock", "price": "12.50 EUR", "gtin": "4006381333931",
        "product_type": "Home & Garden > Kitchen & Dining > Drinkware > Mugs",
    })
    items.append({
        "id": f"BAG5{sfx}", "title": "Canvas Tote Bag", "description": "Heavy canvas tote.",
        "link": f"{site}/products/canvas-tote{sfx}", "image_link": f"{site}/img/tote.jpg",
        "availability": "preorder", "price": "24.00 EUR", "sale_price": "19.00 EUR",
        "product_type": "Apparel & Accessories > Handbags, Wallets & Cases > Handbags",
    })
    return items


def gen_google(outdir, copies):
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "feed.xml"), "w", encoding="utf-8", newline="") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        f.write('<rss xmlns:g="http://base.google.com/ns/1.0" version="2.0">\n<channel>\n')
        f.write("<title>Nordic Basics</title>\n<link>https://shop.example.test</link>\n")
        f.write("<description>Products of Nordic Basics</description>\n")
        for copy in range(copies):
            for it in google_items(copy):
                f.write("<item>\n")
                for k, v in it.items():
                    for one in (v if isinstance(v, list) else [v]):
                        if one is not None:
                            f.write(f"  <g:{k}>{xml_escape(one)}</g:{k}>\n")
                f.write("</item>\n")
        f.write("</channel>\n</rss>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--copies", type=int, default=1)
    ap.add_argument("--only", choices=["magento2", "prestashop", "google"])
    a = ap.parse_args()
    if a.only in (None, "magento2"):
        gen_magento(os.path.join(a.outdir, "magento2"), a.copies)
    if a.only in (None, "prestashop"):
        gen_prestashop(os.path.join(a.outdir, "prestashop"), a.copies)
    if a.only in (None, "google"):
        gen_google(os.path.join(a.outdir, "google-merchant"), a.copies)


if __name__ == "__main__":
    main()
