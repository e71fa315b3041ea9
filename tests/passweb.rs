//! The shipped Passweb mappings against the rules of the Passweb -> Clerk contract, checked
//! from the input data independently of the mapping (issue: "The whole Passweb -> Clerk
//! contract in the shipped mappings").

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::TimeZone;
use clerkmap::check::CompileOptions;
use clerkmap::check::check;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{FeedOutput, Input, RunOptions, RunReport, run};
use clerkmap::json;
use clerkmap::value::Value;

mod support;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn ndjson(p: &Path) -> Vec<Value> {
    read(p)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn json_file(p: &Path) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs a shipped mapping over `shop` with the given inputs (`name -> file`) and vars.
fn map(
    mapping: &str,
    shop: &Path,
    inputs: &[(&str, &str)],
    vars: &[(&str, &str)],
    out: &Path,
) -> RunReport {
    let src = SourceFile::new(mapping, read(&root().join("mappings").join(mapping)));
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let checked = check(
        &src,
        &CompileOptions {
            vars,
            ..Default::default()
        },
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let opts = RunOptions {
        inputs: inputs
            .iter()
            .map(|(n, f)| Input::file(*n, shop.join(f)))
            .collect(),
        ..RunOptions::default()
    };
    run(&checked.program, &src, &opts, &FeedOutput::new(out)).unwrap_or_else(|e| panic!("{e}"))
}

fn sample() -> PathBuf {
    root().join("mappings/sample")
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn it_decimal(s: &str) -> f64 {
    s.replace('.', "")
        .replace(',', ".")
        .parse()
        .unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Shops to check: the committed sample, plus freshly generated ones when the generator is
/// there (it is beside the project in CI: ../shared/tools/passweb-sample).
fn shops(scratch: &Path) -> Vec<PathBuf> {
    let mut shops = vec![sample()];
    let only = Some("articoli.ndjson,articoli.csv,categorie.csv");
    for (n, seed) in [(300, 11), (1200, 12)] {
        shops.extend(support::generated_shop(scratch, n, seed, only));
    }
    shops
}

#[test]
fn both_product_mappings_give_identical_products() {
    let scratch = tmp();
    for shop in shops(scratch.path()) {
        let (a, b) = (tmp(), tmp());
        let ra = map(
            "passweb.cmap",
            &shop,
            &[
                ("articoli", "articoli.ndjson"),
                ("categorie", "categorie.csv"),
            ],
            &[],
            a.path(),
        );
        let rb = map(
            "passweb-csv.cmap",
            &shop,
            &[("articoli", "articoli.csv"), ("categorie", "categorie.csv")],
            &[],
            b.path(),
        );
        let pa = read(&a.path().join("products.json"));
        assert_eq!(
            pa,
            read(&b.path().join("products.json")),
            "{}",
            shop.display()
        );
        assert_eq!(ra.entities[0].written, rb.entities[0].written);
        assert_eq!(rb.entities[0].rejected, 0);
        assert_products_follow_the_rules(&shop, &json_file(&a.path().join("products.json")));
    }
}

fn assert_products_follow_the_rules(shop: &Path, products: &[Value]) {
    let site = "https://shop.example.test";
    let articles = ndjson(&shop.join("articoli.ndjson"));
    let parents: BTreeMap<String, String> = {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_path(shop.join("categorie.csv"))
            .unwrap_or_else(|e| panic!("{e}"));
        r.records()
            .map(|x| x.unwrap_or_else(|e| panic!("{e}")))
            .map(|x| (x[0].to_string(), x[1].to_string()))
            .collect()
    };
    let published: Vec<&Value> = articles
        .iter()
        .filter(|a| a["pubblicato"] == "SI")
        .collect();
    assert_eq!(products.len(), published.len(), "only published articles");
    let rome = chrono_tz::Europe::Rome;
    for (a, p) in published.iter().zip(products) {
        let code = a["codice"].as_str().unwrap_or_default();
        let ctx = format!("{} {code}", shop.display());
        assert_eq!(p["id"], a["codice"], "{ctx}");
        assert_eq!(
            p["name"],
            json!(a["titolo"].as_str().unwrap_or_default().trim()),
            "{ctx}"
        );
        let desc = p["description"].as_str().unwrap_or_default();
        assert!(
            !desc.contains('<') && !desc.contains('&') || desc.contains("& "),
            "{ctx}: {desc}"
        );
        assert_eq!(
            desc,
            desc.split_whitespace().collect::<Vec<_>>().join(" "),
            "{ctx}: collapsed"
        );
        let variants = a["varianti"].as_array().cloned().unwrap_or_default();
        let vprices: Vec<f64> = variants
            .iter()
            .map(|v| it_decimal(v["prezzo"].as_str().unwrap_or("0")))
            .collect();
        let price = vprices
            .iter()
            .copied()
            .reduce(f64::min)
            .unwrap_or_else(|| it_decimal(a["prezzo"].as_str().unwrap_or("0")));
        assert_eq!(p["price"].as_f64(), Some(price), "{ctx}");
        let list_price = it_decimal(a["prezzoListino"].as_str().unwrap_or("0"));
        assert_eq!(p["list_price"].as_f64(), Some(list_price), "{ctx}");
        assert_eq!(p["on_sale"], json!(price < list_price), "{ctx}");
        let stocks: Vec<f64> = variants
            .iter()
            .map(|v| it_decimal(v["unitaInStock"].as_str().unwrap_or("0")))
            .collect();
        let stock = if stocks.is_empty() {
            it_decimal(a["unitaInStock"].as_str().unwrap_or("0"))
        } else {
            stocks.iter().sum()
        };
        assert_eq!(p["stock"], json!(stock as i64), "{ctx}");
        assert_eq!(p["in_stock"], json!(stock > 0.0), "{ctx}");
        let images = a["immagini"].as_array().cloned().unwrap_or_default();
        let img = images
            .iter()
            .find(|i| i["tipo"] == "catalogo")
            .or(images.first())
            .and_then(|i| i["url"].as_str())
            .unwrap_or("/Resources/img/placeholder.jpg");
        assert_eq!(p["image"], json!(format!("{site}{img}")), "{ctx}");
        // non-ASCII is percent-encoded in URLs
        let url = percent_decode(p["url"].as_str().unwrap_or_default());
        assert_eq!(
            url,
            format!("{site}{}", a["url"].as_str().unwrap_or_default()),
            "{ctx}"
        );
        // categories: primary and secondary, each with all its ancestors, no duplicates
        let mut want = Vec::new();
        let mut cats = vec![
            a["categoriaMerceologica"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ];
        cats.extend(
            a["categorieSecondarie"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from),
        );
        for c in cats {
            let mut cur = c;
            while !cur.is_empty() {
                if !want.contains(&cur) {
                    want.push(cur.clone());
                }
                cur = parents.get(&cur).cloned().unwrap_or_default();
            }
        }
        assert_eq!(p["categories"], json!(want), "{ctx}");
        let d = chrono::NaiveDate::parse_from_str(
            a["dataCreazione"].as_str().unwrap_or_default(),
            "%d/%m/%Y",
        )
        .unwrap_or_default();
        let midnight = rome
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.timestamp());
        assert_eq!(p["created_at"].as_i64(), midnight, "{ctx}");
        assert_eq!(p["index"], json!(a["catalogo"] != "NO"), "{ctx}");
        let attrs = a["attributi"].as_object().cloned().unwrap_or_default();
        assert_eq!(p["brand"], attrs["Marca"], "{ctx}");
        let materials: Vec<&str> = attrs["Materiale"]
            .as_str()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .collect();
        assert_eq!(p["materiale"], json!(materials), "{ctx}");
        if let Some(v) = attrs.get("Vestibilità") {
            assert_eq!(&p["vestibilita"], v, "{ctx}");
        } else {
            assert!(p.get("vestibilita").is_none(), "{ctx}");
        }
        if let Some(v) = attrs.get("Codice EAN") {
            assert_eq!(&p["codice_ean"], v, "{ctx}");
        }
        let distinct = |field: &str, only_available: bool| -> Value {
            let mut seen: Vec<String> = Vec::new();
            for v in &variants {
                let s = v[field].as_str().unwrap_or_default();
                let available = it_decimal(v["unitaInStock"].as_str().unwrap_or("0")) > 0.0;
                if !s.is_empty() && !seen.iter().any(|x| x == s) && (available || !only_available) {
                    seen.push(s.to_string());
                }
            }
            json!(seen)
        };
        assert_eq!(p["sizes"], distinct("taglia", false), "{ctx}");
        assert_eq!(p["colors"], distinct("colore", false), "{ctx}");
        assert_eq!(p["sizes_available"], distinct("taglia", true), "{ctx}");
        assert_eq!(p["colors_available"], distinct("colore", true), "{ctx}");
        assert_eq!(
            p["variant_skus"],
            json!(
                variants
                    .iter()
                    .map(|v| v["codice"].clone())
                    .collect::<Vec<_>>()
            ),
            "{ctx}"
        );
        assert_eq!(p["variant_prices"], json!(vprices), "{ctx}");
        assert_eq!(
            p["variant_stocks"],
            json!(stocks.iter().map(|s| *s as i64).collect::<Vec<_>>()),
            "{ctx}"
        );
        assert!(
            p.get("marca").is_none() && p.get("Marca").is_none(),
            "{ctx}: brand not repeated"
        );
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(x) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(x);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn all_inputs() -> Vec<(&'static str, &'static str)> {
    vec![
        ("articoli", "articoli.ndjson"),
        ("categorie", "categorie.csv"),
        ("ordini", "ordini.ndjson"),
        ("clienti", "clienti.ndjson"),
        ("pagine", "pagine.ndjson"),
    ]
}

#[test]
fn orders_customers_pages_and_categories_follow_the_rules() {
    let out = tmp();
    let report = map("passweb.cmap", &sample(), &all_inputs(), &[], out.path());
    for e in &report.entities {
        assert!(e.balanced(), "{e:?}");
    }
    // orders
    let orders_in = ndjson(&sample().join("ordini.ndjson"));
    let kept: Vec<&Value> = orders_in
        .iter()
        .filter(|o| {
            ["Memorizzato", "Sospeso", "Evaso"].contains(&o["stato"].as_str().unwrap_or(""))
        })
        .collect();
    let orders = json_file(&out.path().join("orders.json"));
    assert_eq!(orders.len(), kept.len());
    for (o, c) in kept.iter().zip(&orders) {
        assert_eq!(c["id"], o["id"]);
        let status = match o["stato"].as_str() {
            Some("Memorizzato") => "CONFIRMED",
            Some("Sospeso") => "CANCELLED",
            _ => "DELIVERED",
        };
        assert_eq!(c["status"], status);
        let t = chrono::NaiveDateTime::parse_from_str(
            o["data"].as_str().unwrap_or_default(),
            "%d/%m/%Y %H:%M",
        )
        .unwrap_or_default();
        let t = chrono_tz::Europe::Rome
            .from_local_datetime(&t)
            .earliest()
            .map(|t| t.timestamp());
        assert_eq!(c["time"].as_i64(), t);
        let email = o["email"].as_str().unwrap_or_default();
        let customer = if o["cliente"].is_null() {
            json!(email)
        } else {
            o["cliente"].clone()
        };
        assert_eq!(c["customer"], customer);
        assert_eq!(c.get("email").cloned().unwrap_or(json!("")), json!(email));
        let lines: Vec<Value> = o["righe"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| json!({"id": l["codice"], "quantity": it_decimal(l["quantita"].as_str().unwrap_or("0")) as i64, "price": it_decimal(l["prezzo"].as_str().unwrap_or("0"))}))
            .collect();
        assert_eq!(c["products"], json!(lines));
    }
    // customers: opted-out ones never sent
    let clients = ndjson(&sample().join("clienti.ndjson"));
    let customers = json_file(&out.path().join("customers.json"));
    let opted_out: HashSet<String> = clients
        .iter()
        .filter(|c| c["attributi"]["OptOutClerk"] == "S")
        .map(|c| c["id"].to_string())
        .collect();
    assert!(
        !opted_out.is_empty(),
        "the sample has an opted-out customer"
    );
    assert_eq!(customers.len(), clients.len() - opted_out.len());
    for c in &customers {
        assert!(!opted_out.contains(&c["id"].to_string()));
        let src = clients
            .iter()
            .find(|x| x["id"] == c["id"])
            .unwrap_or_else(|| panic!("{c}"));
        assert_eq!(c["name"], src["nominativo"]);
        assert_eq!(c["subscribed"], json!(src["consensoMarketing"] == true));
        assert_eq!(
            c.get("email").is_some(),
            !src["email"].as_str().unwrap_or_default().is_empty()
        );
    }
    // pages: published and flagged only, text without HTML, absolute url
    let pages_in = ndjson(&sample().join("pagine.ndjson"));
    let pages = json_file(&out.path().join("pages.json"));
    let shown = pages_in
        .iter()
        .filter(|p| p["pubblicato"] == true && p["consideraNelFeed"] == true)
        .count();
    assert_eq!(pages.len(), shown);
    for p in &pages {
        assert!(p["url"].as_str().is_some_and(|u| u.starts_with("https://")));
        assert!(!p["text"].as_str().unwrap_or("<").contains('<'));
        assert!(["page", "blog"].contains(&p["type"].as_str().unwrap_or_default()));
    }
    // categories: no empty image strings
    for c in json_file(&out.path().join("categories.json")) {
        assert_ne!(c.get("image"), Some(&json!("")));
        assert_ne!(c.get("description"), Some(&json!("")));
    }
    let privacy = report.privacy.unwrap_or_default();
    assert_eq!(privacy.customers_excluded, opted_out.len() as u64);
    assert_eq!(
        privacy.orders_dropped,
        (orders_in.len() - kept.len()) as u64
    );

    insta::assert_json_snapshot!("orders", orders);
    insta::assert_json_snapshot!("customers", customers);
    insta::assert_json_snapshot!("pages", pages);
}

#[test]
fn collect_emails_false_sends_no_email() {
    let out = tmp();
    let report = map(
        "passweb.cmap",
        &sample(),
        &all_inputs(),
        &[("collect_emails", "false")],
        out.path(),
    );
    for f in ["orders.json", "customers.json"] {
        let text = read(&out.path().join(f));
        // (variant codes such as GIA000015@XLBLU hold an `@` too)
        assert!(!text.contains("@example.it"), "{f} holds an email");
    }
    let privacy = report.privacy.unwrap_or_default();
    assert!(
        privacy.emails_sent.iter().all(|(_, n)| *n == 0),
        "{privacy:?}"
    );
    // guest orders cannot be tracked without their email: rejected, with the reason
    let rejects = read(&out.path().join("rejects.ndjson"));
    let guests = ndjson(&sample().join("ordini.ndjson"))
        .iter()
        .filter(|o| {
            o["cliente"].is_null()
                && ["Memorizzato", "Sospeso", "Evaso"].contains(&o["stato"].as_str().unwrap_or(""))
        })
        .count();
    assert_eq!(rejects.lines().count(), guests);
    assert!(
        guests == 0 || rejects.contains("neither a customer id nor (with collect_emails) an email")
    );
}

#[test]
fn orders_since_and_track_parent() {
    let out = tmp();
    map(
        "passweb.cmap",
        &sample(),
        &[("ordini", "ordini.ndjson")],
        &[("orders_since", "01/01/2024"), ("track_parent", "true")],
        out.path(),
    );
    let orders = json_file(&out.path().join("orders.json"));
    let since = chrono_tz::Europe::Rome
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .earliest()
        .map_or(0, |t| t.timestamp());
    assert!(!orders.is_empty());
    let input = ndjson(&sample().join("ordini.ndjson"));
    for o in &orders {
        assert!(o["time"].as_i64().unwrap_or(0) >= since);
        let src = input
            .iter()
            .find(|x| x["id"] == o["id"])
            .unwrap_or_else(|| panic!("{o}"));
        let parents: Vec<Value> = src["righe"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["codicePadre"].clone())
            .collect();
        let ids: Vec<Value> = o["products"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| l["id"].clone())
            .collect();
        assert_eq!(ids, parents);
    }
}

#[test]
fn bad_records_are_rejected_by_name_and_field() {
    let dir = tmp();
    let mut lines = read(&sample().join("articoli.ndjson"))
        .lines()
        .take(4)
        .map(String::from)
        .collect::<Vec<_>>();
    lines[0] = lines[0].replacen("\"prezzoListino\":\"", "\"prezzoListino\":\"x", 1);
    lines[1] = lines[1].replacen(
        "\"categoriaMerceologica\":\"",
        "\"categoriaMerceologica\":\"NOPE",
        1,
    );
    lines[2] = lines[2].replacen("\"dataCreazione\":\"", "\"dataCreazione\":\"99/", 1);
    std::fs::write(dir.path().join("articoli.ndjson"), lines.join("\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        sample().join("categorie.csv"),
        dir.path().join("categorie.csv"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = tmp();
    let report = map(
        "passweb.cmap",
        dir.path(),
        &[
            ("articoli", "articoli.ndjson"),
            ("categorie", "categorie.csv"),
        ],
        &[],
        out.path(),
    );
    assert_eq!(report.entities[0].rejected, 3);
    let rejects = read(&out.path().join("rejects.ndjson"));
    assert!(
        rejects.contains("`list_price`: decimal: cannot read \\\"x"),
        "{rejects}"
    );
    assert!(
        rejects.contains("`categories`: ancestors: key \\\"NOPE"),
        "{rejects}"
    );
    assert!(
        rejects.contains("`created_at`: date: cannot read \\\"99/"),
        "{rejects}"
    );
}

#[test]
fn conflicting_rows_of_a_csv_group_reject_the_product() {
    let dir = tmp();
    let csv = read(&sample().join("articoli.csv"));
    // Rename the title on the second row of the first article.
    let mut rows: Vec<String> = csv.split("\r\n").map(String::from).collect();
    let second = rows
        .iter()
        .position(|r| r.starts_with("GON000001;S;"))
        .unwrap_or_else(|| panic!("row"));
    rows[second] = rows[second].replacen(";Gonna oversize;", ";Gonna diversa;", 1);
    std::fs::write(dir.path().join("articoli.csv"), rows.join("\r\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::copy(
        sample().join("categorie.csv"),
        dir.path().join("categorie.csv"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = tmp();
    let report = map(
        "passweb-csv.cmap",
        dir.path(),
        &[("articoli", "articoli.csv"), ("categorie", "categorie.csv")],
        &[],
        out.path(),
    );
    assert_eq!(report.entities[0].rejected, 1);
    let rejects = read(&out.path().join("rejects.ndjson"));
    assert!(rejects.contains("\"id\":\"GON000001\"") && rejects.contains("`name`: single: conflicting values \\\"Gonna oversize\\\" and \\\"Gonna diversa\\\""), "{rejects}");
}

#[test]
fn google_shopping_feed_gives_the_same_products_where_it_has_the_data() {
    let (g, n) = (tmp(), tmp());
    let report = map(
        "google-shopping.cmap",
        &sample(),
        &[("feed", "feed-google.xml")],
        &[],
        g.path(),
    );
    assert_eq!(report.entities[0].rejected, 0);
    map(
        "passweb.cmap",
        &sample(),
        &[
            ("articoli", "articoli.ndjson"),
            ("categorie", "categorie.csv"),
        ],
        &[],
        n.path(),
    );
    let google = json_file(&g.path().join("products.json"));
    let native = json_file(&n.path().join("products.json"));
    assert_eq!(
        google.len(),
        native.len(),
        "one product per published article"
    );
    for (a, b) in google.iter().zip(&native) {
        for k in [
            "id",
            "name",
            "description",
            "price",
            "list_price",
            "on_sale",
            "in_stock",
            "image",
            "url",
            "brand",
            "sizes",
            "colors",
            "sizes_available",
            "colors_available",
            "variant_skus",
            "variant_prices",
        ] {
            assert_eq!(a.get(k), b.get(k), "{} {k}", a["id"]);
        }
    }
}
