//! The hand-written baselines of `benches/compare.sh` (`benches/handmapped.rs`: the products
//! block of the built-in Passweb mapping written in Rust, over a whole `Value` and over borrowed
//! structs) must write the products `clerkmap run` writes, or their timings compare different
//! work. compare.sh checks it on its big export; this checks it on every `cargo test`, on the
//! committed sample (a session once found them writing null for some functions only there).

mod support;

#[path = "../benches/handmapped.rs"]
#[allow(dead_code)] // its `main` is the bench's
mod handmapped;

use clerkmap::value::Value;

#[test]
fn the_hand_written_baselines_write_what_clerkmap_writes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let out_arg = out.display().to_string();
    let mut args = vec!["run"];
    args.extend(support::SAMPLE_INPUTS);
    args.extend(["--out", &out_arg, "-q"]);
    let run = support::clerkmap(&args);
    assert_eq!(support::code(&run), 0, "{}", support::text(&run.stderr));
    let products: Vec<Value> =
        serde_json::from_str(&support::read(&out.join("products.json"))).unwrap_or_default();
    assert!(
        products.len() > 20,
        "too few products to compare: {}",
        products.len()
    );

    let root = support::root().join("mappings/sample");
    let parents = handmapped::categories(&root.join("categorie.csv"));
    let articles = support::read(&root.join("articoli.ndjson"));
    let lines: Vec<&str> = articles.lines().filter(|l| !l.trim().is_empty()).collect();
    for (name, map) in [
        ("over Value", handmapped::map_value as fn(&[u8], _) -> _),
        ("over borrowed structs", handmapped::map_typed),
    ] {
        let ours: Vec<Value> = lines
            .iter()
            .filter_map(|l| map(l.as_bytes(), &parents))
            .map(Value::Object)
            .collect();
        assert_eq!(
            ours.len(),
            products.len(),
            "{name}: another number of products"
        );
        for (a, b) in ours.iter().zip(&products) {
            assert_eq!(a.to_string(), b.to_string(), "{name}: another product");
        }
    }
}
