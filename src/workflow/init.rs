//! `clerkmap init`: a new project that runs and tests green at once: `clerkmap.yaml`, a copy of
//! the Passweb mapping, a small sample export, an example test case with its snapshot, and a
//! `.gitignore` for what runs write.

use std::path::{Path, PathBuf};

use super::case::{self, CaseRef};
use super::{exec, snapshot};

const ARTICLES: &str = include_str!("../../mappings/sample/articoli.ndjson");
const CATEGORIES: &str = include_str!("../../mappings/sample/categorie.csv");
/// Articles of the sample shop copied into a new project.
const SAMPLE_ARTICLES: usize = 6;

const PROJECT: &str = "\
# clerkmap project file.
#   clerkmap run -c clerkmap.yaml        maps the inputs into out/ (Clerk JSON feeds)
#   clerkmap test -c clerkmap.yaml       runs the test cases in tests/ against their snapshots
#   clerkmap check mapping.cmap          checks the mapping without reading any record
# Paths are relative to this file. See the README of clerkmap for every key.
mapping: mapping.cmap
inputs:
  articoli: data/articoli.ndjson
  categorie: data/categorie.csv
  # ordini: data/ordini.ndjson
  # clienti: data/clienti.ndjson
  # pagine: data/pagine.ndjson
out: out
format: json
vars:
  site_url: https://shop.example.test
tests: tests
";

const GITIGNORE: &str = "\
# Written by `clerkmap run` and `clerkmap push`: not sources.
/out/
clerkmap-state.json
report.html
";

const CASE: &str = "\
description: >
  An example test case: two articles through the project's mapping. `clerkmap test` maps the
  inputs and compares the Clerk records with products.snap; when the mapping changes on
  purpose, `clerkmap test --review` shows each difference and updates the snapshot.
mapping: ../mapping.cmap
vars:
  site_url: https://shop.example.test
entities: [products]
inputs:
  categorie: ../data/categorie.csv
  articoli:
    - codice: FEL001
      titolo: Felpa con cappuccio
      descrizioneHtml: <p>Felpa in <b>cotone</b></p>
      pubblicato: \"SI\"
      catalogo: \"SI\"
      dataCreazione: 22/03/2019
      prezzo: \"59,90\"
      prezzoListino: \"79,90\"
      url: /felpe/felpa-con-cappuccio-fel001
      immagini: [{ tipo: catalogo, url: /Resources/img/FEL001.jpg }]
      categoriaMerceologica: ABB.FEL.U
      attributi: { Marca: Nord&Sud, Materiale: \"Cotone, Poliestere\" }
      varianti:
        - { codice: FEL001@S, taglia: S, colore: Rosso, unitaInStock: \"2,000000\", prezzo: \"59,90\" }
        - { codice: FEL001@M, taglia: M, colore: Rosso, unitaInStock: \"0,000000\", prezzo: \"59,90\" }
    - codice: GON002
      titolo: Gonna a ruota
      pubblicato: \"NO\"
";

/// What `init` wrote.
#[derive(Debug)]
pub struct Created {
    /// Every file written, in writing order, the example case's snapshot last (paths joined to
    /// the project's folder as given).
    pub files: Vec<PathBuf>,
}

fn files(dir: &Path) -> Vec<(PathBuf, String)> {
    let articles: String = ARTICLES
        .lines()
        .take(SAMPLE_ARTICLES)
        .map(|l| format!("{l}\n"))
        .collect();
    // The Passweb mapping in the canonical layout, so that `clerkmap fmt --check` passes.
    let mapping = crate::syntax::format::format(super::BUILTIN_MAPPING)
        .unwrap_or_else(|_| super::BUILTIN_MAPPING.to_string());
    vec![
        (dir.join("clerkmap.yaml"), PROJECT.to_string()),
        (dir.join("mapping.cmap"), mapping),
        (dir.join("data/articoli.ndjson"), articles),
        (dir.join("data/categorie.csv"), CATEGORIES.to_string()),
        (dir.join("tests/products.yaml"), CASE.to_string()),
        (dir.join(".gitignore"), GITIGNORE.to_string()),
    ]
}

/// Creates the project in `dir` (created if needed). Existing files are an error unless
/// `force`.
pub fn init(dir: &Path, force: bool) -> Result<Created, String> {
    let planned = files(dir);
    let snap = dir.join("tests/products.snap");
    if !force {
        let existing: Vec<String> = planned
            .iter()
            .map(|(p, _)| p.clone())
            .chain([snap.clone()])
            .filter(|p| p.exists())
            .map(|p| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            return Err(format!(
                "{} already exist{}: nothing was written (use --force to overwrite, or init another folder)",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ));
        }
    }
    let mut written = Vec::new();
    for (path, text) in planned {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        written.push(path);
    }
    // The example case's snapshot: what the mapping gives now.
    let r = CaseRef {
        name: "products".into(),
        file: dir.join("tests/products.yaml"),
        folder: false,
    };
    let c = case::load(&r)?;
    let out = exec::execute(&c)?;
    snapshot::write(&c.expect, &out, &c.file)?;
    written.push(c.expect);
    Ok(Created { files: written })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(tmp.path().join("clerkmap.yaml"), "x").unwrap_or_else(|e| panic!("{e}"));
        let e = init(tmp.path(), false).err().unwrap_or_default();
        assert!(e.contains("clerkmap.yaml already exists"), "{e}");
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("clerkmap.yaml")).unwrap_or_default(),
            "x"
        );
    }
}
