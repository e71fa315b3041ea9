//! Baselines for `benches/compare.sh`: the products block of `mappings/passweb.cmap` written by
//! hand in Rust, single-threaded, in two styles a Rust programmer would choose:
//!
//! - `--value`: every line parsed whole into a JSON value (clerkmap's `Value`, which its
//!   functions take; serde_json's before clerkmap had its own), the attributes read from it;
//! - `--typed`: every line deserialized into borrowed structs (serde derive, `Cow<str>` fields,
//!   only the fields the mapping reads), the others skipped by the parser.
//!
//! Both call clerkmap's own built-in functions for the conversions with subtle rules
//! (`decimal`, `strip_html`, `date`, `prefixed_url`, `int`, `trim`), so they do the same work and
//! write the same `products.json` as `clerkmap run` (compare.sh checks it); what they leave out
//! is what a mapping language adds: parsing and checking the mapping, interpreting it, the
//! contract checks, the rejects, the report.
//!
//! ```text
//! cargo bench --bench handmapped -- --value|--typed ARTICOLI.ndjson CATEGORIE.csv --out OUT.json
//! ```
//!
//! Without files it maps the committed sample (so a plain `cargo bench` runs it harmlessly).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clerkmap::value::{Map, Value};
use serde::Deserialize;

// The allocator clerkmap's binary uses (src/main.rs), so the comparison is of the work done,
// not of two allocators.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SITE: &str = "https://shop.example.test";
const PLACEHOLDER: &str = "/Resources/img/placeholder.jpg";

/// One of clerkmap's built-in functions, applied to `args`.
fn f(name: &str, mut args: Vec<Value>) -> Value {
    use clerkmap::functions::Imp;
    match clerkmap::functions::get(name).map(|func| &func.imp) {
        Some(Imp::Pure(imp)) => imp(&mut args).unwrap_or(Value::Null),
        // A function that only reads its arguments gets them lent, as the evaluator lends them.
        Some(Imp::Reads(imp)) => imp(&args.iter().collect::<Vec<_>>()).unwrap_or(Value::Null),
        _ => panic!("{name}: not a built-in function of values"),
    }
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

/// The category codes with their parents: `codice;codicePadre;...`.
pub(crate) fn categories(path: &PathBuf) -> HashMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut cells = l.split(';');
            Some((cells.next()?.to_string(), cells.next()?.to_string()))
        })
        .collect()
}

/// Each code followed by its parents, each code once.
fn ancestors<'a>(parents: &HashMap<String, String>, codes: impl Iterator<Item = &'a str>) -> Value {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for code in codes {
        let mut k = code;
        while !k.is_empty() && parents.contains_key(k) && seen.insert(k.to_string()) {
            out.push(s(k));
            k = parents.get(k).map(String::as_str).unwrap_or("");
        }
    }
    Value::Array(out)
}

/// The attributes both styles compute from plain values, in the mapping's order.
struct Common<'a> {
    id: &'a str,
    name: Option<&'a str>,
    html: Option<&'a str>,
    prices: Vec<Value>,
    price: Option<&'a str>,
    list_price: Option<&'a str>,
    stocks: Vec<Value>,
    stock: Option<&'a str>,
    image: Option<&'a str>,
    url: Option<&'a str>,
    categories: Value,
    created: Option<&'a str>,
    index: bool,
    brand: Option<&'a str>,
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, s)
}

fn put(out: &mut Map, k: &str, v: Value) {
    if !v.is_null() {
        out.insert(k.to_string(), v);
    }
}

fn common(c: Common) -> Map {
    let mut out = Map::new();
    put(&mut out, "id", s(c.id));
    put(&mut out, "name", f("trim", vec![opt(c.name)]));
    put(&mut out, "description", f("strip_html", vec![opt(c.html)]));
    let decimal = |v: Option<&str>| f("decimal", vec![opt(v)]);
    let price = match f("min", vec![Value::Array(c.prices.clone())]) {
        Value::Null => decimal(c.price),
        p => p,
    };
    let list_price = decimal(c.list_price);
    let on_sale = match (price.as_f64(), list_price.as_f64()) {
        (Some(p), Some(l)) => Value::Bool(p < l),
        _ => Value::Null,
    };
    let total = if c.stocks.is_empty() {
        decimal(c.stock)
    } else {
        f("sum", vec![Value::Array(c.stocks)])
    };
    let stock = f("int", vec![total]);
    let in_stock = stock.as_f64().map_or(Value::Null, |n| Value::Bool(n > 0.0));
    put(&mut out, "price", price);
    put(&mut out, "list_price", list_price);
    put(&mut out, "on_sale", on_sale);
    put(&mut out, "stock", stock);
    put(&mut out, "in_stock", in_stock);
    let image = s(c.image.unwrap_or(PLACEHOLDER));
    put(&mut out, "image", f("prefixed_url", vec![image, s(SITE)]));
    put(
        &mut out,
        "url",
        f("prefixed_url", vec![opt(c.url), s(SITE)]),
    );
    put(&mut out, "categories", c.categories);
    put(
        &mut out,
        "created_at",
        f("date", vec![opt(c.created), s("%d/%m/%Y")]),
    );
    put(&mut out, "index", Value::Bool(c.index));
    put(&mut out, "brand", opt(c.brand));
    out
}

/// A variant as both styles see it.
struct Variant<'a> {
    sku: Option<&'a str>,
    size: Option<&'a str>,
    color: Option<&'a str>,
    stock: Value,
    price: Value,
}

/// The variant lists, the multi-valued `materiale` and the other attributes.
fn variants_and_attributes<'a>(
    out: &mut Map,
    variants: &[Variant<'a>],
    materiale: Option<&str>,
    attributes: impl Iterator<Item = (&'a str, &'a str)>,
) {
    let list = |pick: &dyn Fn(&Variant<'a>) -> Option<&'a str>, only_available: bool| {
        let items: Vec<Value> = variants
            .iter()
            .filter(|v| !only_available || v.stock.as_f64().is_some_and(|n| n > 0.0))
            .filter_map(|v| pick(v).filter(|x| !x.is_empty()).map(s))
            .collect();
        f("unique", vec![Value::Array(items)])
    };
    put(out, "sizes", list(&|v| v.size, false));
    put(out, "colors", list(&|v| v.color, false));
    put(out, "sizes_available", list(&|v| v.size, true));
    put(out, "colors_available", list(&|v| v.color, true));
    let skus = variants.iter().filter_map(|v| v.sku.map(s)).collect();
    put(out, "variant_skus", Value::Array(skus));
    let prices = variants
        .iter()
        .map(|v| v.price.clone())
        .filter(|v| !v.is_null());
    put(out, "variant_prices", Value::Array(prices.collect()));
    let stocks = variants
        .iter()
        .map(|v| f("int", vec![v.stock.clone()]))
        .filter(|v| !v.is_null());
    put(out, "variant_stocks", Value::Array(stocks.collect()));
    if let Some(m) = materiale {
        let parts: Vec<Value> = m
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(s)
            .collect();
        put(out, "materiale", Value::Array(parts));
    }
    for (k, v) in attributes {
        if k == "Marca" || k == "Materiale" || v.is_empty() {
            continue;
        }
        let name = f("attribute_name", vec![s(k)]);
        if let Some(name) = name.as_str()
            && !out.contains_key(name)
        {
            out.insert(name.to_string(), s(v));
        }
    }
}

/// `--value`: a whole [`Value`] per line.
pub(crate) fn map_value(line: &[u8], parents: &HashMap<String, String>) -> Option<Map> {
    let r: Value = serde_json::from_slice(line).ok()?;
    if r.get("pubblicato")?.as_str()? != "SI" {
        return None;
    }
    let st = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let empty = Vec::new();
    let varianti = r
        .get("varianti")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let immagini = r
        .get("immagini")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let image = immagini
        .iter()
        .find(|i| i.get("tipo").and_then(Value::as_str) == Some("catalogo"))
        .or(immagini.first())
        .and_then(|i| i.get("url")?.as_str());
    let secondary = r
        .get("categorieSecondarie")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let codes = r
        .get("categoriaMerceologica")
        .and_then(Value::as_str)
        .into_iter()
        .chain(secondary.iter().filter_map(Value::as_str));
    let decimal = |v: &Value, k: &str| {
        f(
            "decimal",
            vec![st(v, k).map_or(Value::Null, |s| Value::String(s.into()))],
        )
    };
    let variants: Vec<Variant> = varianti
        .iter()
        .map(|v| Variant {
            sku: v.get("codice").and_then(Value::as_str),
            size: v.get("taglia").and_then(Value::as_str),
            color: v.get("colore").and_then(Value::as_str),
            stock: decimal(v, "unitaInStock"),
            price: decimal(v, "prezzo"),
        })
        .collect();
    let text = |k: &str| r.get(k).and_then(Value::as_str);
    let attributi = r.get("attributi").and_then(Value::as_object);
    let mut out = common(Common {
        id: text("codice")?,
        name: text("titolo"),
        html: text("descrizioneHtml"),
        prices: variants.iter().map(|v| v.price.clone()).collect(),
        price: text("prezzo"),
        list_price: text("prezzoListino"),
        stocks: variants
            .iter()
            .map(|v| v.stock.clone())
            .filter(|v| !v.is_null())
            .collect(),
        stock: text("unitaInStock"),
        image,
        url: text("url"),
        categories: ancestors(parents, codes),
        created: text("dataCreazione"),
        index: text("catalogo") != Some("NO"),
        brand: attributi.and_then(|a| a.get("Marca")?.as_str()),
    });
    variants_and_attributes(
        &mut out,
        &variants,
        attributi.and_then(|a| a.get("Materiale")?.as_str()),
        attributi
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
    );
    Some(out)
}

#[derive(Deserialize)]
struct TypedImage<'a> {
    #[serde(borrow)]
    tipo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TypedVariant<'a> {
    #[serde(borrow)]
    codice: Option<Cow<'a, str>>,
    #[serde(borrow)]
    taglia: Option<Cow<'a, str>>,
    #[serde(borrow)]
    colore: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "unitaInStock")]
    unita_in_stock: Option<Cow<'a, str>>,
    #[serde(borrow)]
    prezzo: Option<Cow<'a, str>>,
}

/// The fields of an article the mapping reads; serde skips the others as it parses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TypedArticle<'a> {
    #[serde(borrow)]
    codice: Cow<'a, str>,
    #[serde(borrow)]
    titolo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    descrizione_html: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pubblicato: Option<Cow<'a, str>>,
    #[serde(borrow)]
    catalogo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data_creazione: Option<Cow<'a, str>>,
    #[serde(borrow)]
    prezzo: Option<Cow<'a, str>>,
    #[serde(borrow)]
    prezzo_listino: Option<Cow<'a, str>>,
    #[serde(borrow)]
    unita_in_stock: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    immagini: Vec<TypedImage<'a>>,
    #[serde(borrow)]
    categoria_merceologica: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    categorie_secondarie: Option<Vec<Cow<'a, str>>>,
    #[serde(borrow, default, deserialize_with = "pairs::deserialize")]
    attributi: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    #[serde(borrow, default)]
    varianti: Vec<TypedVariant<'a>>,
}

/// `--typed`: borrowed structs per line.
pub(crate) fn map_typed(line: &[u8], parents: &HashMap<String, String>) -> Option<Map> {
    let r: TypedArticle = serde_json::from_slice(line).ok()?;
    if r.pubblicato.as_deref() != Some("SI") {
        return None;
    }
    let decimal = |v: &Option<Cow<str>>| f("decimal", vec![opt(v.as_deref())]);
    let variants: Vec<Variant> = r
        .varianti
        .iter()
        .map(|v| Variant {
            sku: v.codice.as_deref(),
            size: v.taglia.as_deref(),
            color: v.colore.as_deref(),
            stock: decimal(&v.unita_in_stock),
            price: decimal(&v.prezzo),
        })
        .collect();
    let image = r
        .immagini
        .iter()
        .find(|i| i.tipo.as_deref() == Some("catalogo"))
        .or(r.immagini.first())
        .and_then(|i| i.url.as_deref());
    let codes = r
        .categoria_merceologica
        .as_deref()
        .into_iter()
        .chain(r.categorie_secondarie.iter().flatten().map(|c| c.as_ref()));
    let attr = |k: &str| {
        r.attributi
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_ref())
    };
    let mut out = common(Common {
        id: &r.codice,
        name: r.titolo.as_deref(),
        html: r.descrizione_html.as_deref(),
        prices: variants.iter().map(|v| v.price.clone()).collect(),
        price: r.prezzo.as_deref(),
        list_price: r.prezzo_listino.as_deref(),
        stocks: variants
            .iter()
            .map(|v| v.stock.clone())
            .filter(|v| !v.is_null())
            .collect(),
        stock: r.unita_in_stock.as_deref(),
        image,
        url: r.url.as_deref(),
        categories: ancestors(parents, codes),
        created: r.data_creazione.as_deref(),
        index: r.catalogo.as_deref() != Some("NO"),
        brand: attr("Marca"),
    });
    variants_and_attributes(
        &mut out,
        &variants,
        attr("Materiale"),
        r.attributi.iter().map(|(k, v)| (k.as_ref(), v.as_ref())),
    );
    Some(out)
}

/// `attributi` (an object of texts) as its pairs in order, borrowed.
mod pairs {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{Deserializer, MapAccess, Visitor};

    type P<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<P<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = P<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of texts")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<P<'de>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<Cow<'de, str>, Cow<'de, str>>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

fn main() -> ExitCode {
    let mut typed = false;
    let mut files = Vec::new();
    let mut out_path = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--typed" => typed = true,
            "--value" => typed = false,
            "--out" => out_path = args.next().map(PathBuf::from),
            other if other.starts_with('-') => {}
            other => files.push(PathBuf::from(other)),
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mappings/sample");
    let articoli = files
        .first()
        .cloned()
        .unwrap_or(root.join("articoli.ndjson"));
    let categorie = files.get(1).cloned().unwrap_or(root.join("categorie.csv"));
    let parents = categories(&categorie);
    let Ok(input) = File::open(&articoli) else {
        eprintln!("handmapped: cannot open {}", articoli.display());
        return ExitCode::from(3);
    };
    let out: Box<dyn Write> = match &out_path {
        Some(p) => match File::create(p) {
            Ok(f) => Box::new(f),
            Err(e) => {
                eprintln!("handmapped: cannot create {}: {e}", p.display());
                return ExitCode::from(1);
            }
        },
        None => Box::new(std::io::sink()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let started = Instant::now();
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let (mut line, mut written, mut bytes) = (Vec::new(), 0u64, 0u64);
    let mut write = |out: &mut BufWriter<Box<dyn Write>>, rec: &Map| {
        let sep: &[u8] = if written == 0 { b"[\n" } else { b",\n" };
        written += 1;
        out.write_all(sep)
            .and_then(|()| serde_json::to_writer(&mut *out, rec).map_err(std::io::Error::other))
    };
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => bytes += n as u64,
            Err(e) => {
                eprintln!("handmapped: {e}");
                return ExitCode::from(1);
            }
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let rec = if typed {
            map_typed(text, &parents)
        } else {
            map_value(text, &parents)
        };
        if let Some(rec) = rec
            && let Err(e) = write(&mut out, &rec)
        {
            eprintln!("handmapped: {e}");
            return ExitCode::from(1);
        }
    }
    let end: &[u8] = if written == 0 { b"[]\n" } else { b"\n]\n" };
    if let Err(e) = out.write_all(end).and_then(|()| out.flush()) {
        eprintln!("handmapped: {e}");
        return ExitCode::from(1);
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "handmapped ({}): {written} products in {secs:.2} s, {:.1} MB/s",
        if typed { "typed" } else { "value" },
        bytes as f64 / 1e6 / secs
    );
    ExitCode::SUCCESS
}
