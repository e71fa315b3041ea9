//! Projection pushdown, checked differentially: a run decodes only the fields each block and
//! each lookup table reads (`BlockPlan::row_fields`, `TablePlan::row_fields`), skipping the
//! others as it reads them. The oracle is the same run decoding whole records
//! (`RunOptions::decode_whole`): every shipped mapping, on its example data and on generated
//! shops (all five entities; NDJSON, CSV and XML inputs), must write byte-identical feeds and
//! rejects either way.

use std::path::{Path, PathBuf};

use clerkmap::check::{CompileOptions, check};
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{FeedOutput, Input, RunOptions, run};

mod support;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run wrote: every file but the report (it has timings) and the generations.
fn written(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            (name != "report.json" && name != "report.html" && !name.starts_with('.'))
                .then(|| (name, std::fs::read(&p).unwrap_or_default()))
        })
        .collect();
    files.sort();
    files
}

/// Runs `mapping` on `inputs` both ways; asserts the same files, and gives how many records
/// the projected run wrote (so a case that writes nothing cannot pass unnoticed).
fn same_either_way(mapping: &str, inputs: &[(&str, PathBuf)], vars: &[(&str, &str)]) -> usize {
    let path = root().join("mappings").join(mapping);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{mapping}: {e}"));
    let src = SourceFile::new(mapping, text);
    let options = CompileOptions {
        vars: vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        now: Some(1_796_040_000),
        ..Default::default()
    };
    let program = check(&src, &options)
        .unwrap_or_else(|d| panic!("{mapping}: {d:?}"))
        .program;
    let mut outputs = Vec::new();
    for whole in [false, true] {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let opts = RunOptions {
            inputs: inputs
                .iter()
                .map(|(name, p)| Input::file(name.to_string(), p.clone()))
                .collect(),
            jobs: 2,
            chunk_size: 7,
            decode_whole: whole,
            ..RunOptions::default()
        };
        // A refused run (all rejected, say) must be refused the same way.
        let outcome = run(&program, &src, &opts, &FeedOutput::new(tmp.path()))
            .map(|r| r.entities.iter().map(|e| e.written).sum::<u64>())
            .map_err(|e| e.to_string());
        outputs.push((outcome, written(tmp.path())));
    }
    let (projected, whole) = (&outputs[0], &outputs[1]);
    assert_eq!(
        projected.0, whole.0,
        "{mapping} on {inputs:?}: outcomes differ"
    );
    assert_eq!(
        projected.1.iter().map(|f| &f.0).collect::<Vec<_>>(),
        whole.1.iter().map(|f| &f.0).collect::<Vec<_>>(),
        "{mapping}: different files"
    );
    for ((name, a), (_, b)) in projected.1.iter().zip(&whole.1) {
        assert!(
            a == b,
            "{mapping} on {inputs:?}: {name} differs when only the fields read are decoded"
        );
    }
    projected.0.clone().unwrap_or(0) as usize
}

/// The committed sample, plus generated shops when the generator is beside the project.
fn shops(scratch: &Path) -> Vec<PathBuf> {
    let mut shops = vec![root().join("mappings/sample")];
    for (n, seed) in [(250, 21), (900, 22)] {
        shops.extend(support::generated_shop(scratch, n, seed, None));
    }
    shops
}

#[test]
fn every_shipped_mapping_writes_the_same_feeds_from_projected_records() {
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for shop in shops(scratch.path()) {
        let f = |name: &str| shop.join(name);
        let written = same_either_way(
            "passweb.cmap",
            &[
                ("articoli", f("articoli.ndjson")),
                ("categorie", f("categorie.csv")),
                ("ordini", f("ordini.ndjson")),
                ("clienti", f("clienti.ndjson")),
                ("pagine", f("pagine.ndjson")),
            ],
            &[],
        );
        assert!(written > 0, "{}: nothing written", shop.display());
        let csv = same_either_way(
            "passweb-csv.cmap",
            &[
                ("articoli", f("articoli.csv")),
                ("categorie", f("categorie.csv")),
            ],
            &[],
        );
        assert!(csv > 0);
        let google = same_either_way(
            "google-shopping.cmap",
            &[("feed", f("feed-google.xml"))],
            &[],
        );
        assert!(google > 0);
    }
    let ex = root().join("mappings/examples");
    for (mapping, file) in [
        (
            "woocommerce.cmap",
            ex.join("woocommerce/wc-product-export.csv"),
        ),
        ("shopify.cmap", ex.join("shopify/products_export.csv")),
    ] {
        let n = same_either_way(
            mapping,
            &[("export", file)],
            &[("site_url", "https://s.test")],
        );
        assert!(n > 0, "{mapping}: nothing written");
    }
}

#[test]
fn the_passweb_blocks_decode_only_what_they_read() {
    // Without this, the test above would compare a run with itself.
    let path = root().join("mappings/passweb.cmap");
    let src = SourceFile::new(
        "passweb.cmap",
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}")),
    );
    let program = check(&src, &CompileOptions::default())
        .unwrap_or_else(|d| panic!("{d:?}"))
        .program;
    let products = &program.blocks[0];
    let fields = products.row_fields.clone().unwrap_or_default();
    assert!(fields.contains(&"varianti".to_string()), "{fields:?}");
    assert!(!fields.contains(&"descrizione".to_string()), "{fields:?}");
    assert!(!fields.contains(&"valuta".to_string()), "{fields:?}");
}
