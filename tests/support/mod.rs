//! Helpers shared by the tests that run the `clerkmap` binary.
#![allow(dead_code)] // each test file uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the sample shop and the mappings live below it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `--input` arguments of the committed sample shop (`mappings/sample`).
pub const SAMPLE_INPUTS: [&str; 4] = [
    "--input",
    "articoli=mappings/sample/articoli.ndjson",
    "--input",
    "categorie=mappings/sample/categorie.csv",
];

/// Runs the binary in the repository root, without colours.
pub fn clerkmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The sample shop generator beside the project (`../shared/tools/passweb-sample`: there in
/// CI, absent from a user's clone).
pub fn shop_generator() -> Option<PathBuf> {
    Some(root().join("../shared/tools/passweb-sample")).filter(|p| p.exists())
}

/// Generates into `scratch` a shop of `n` articles with `seed`, with only the files `only`
/// (comma-separated; all files when `None`); `None` when the generator is absent.
pub fn generated_shop(scratch: &Path, n: u32, seed: u32, only: Option<&str>) -> Option<PathBuf> {
    let tool = shop_generator()?;
    let dir = scratch.join(format!("shop-{n}-{seed}"));
    let mut cmd = Command::new(&tool);
    cmd.arg(&dir)
        .args(["--products", &n.to_string(), "--seed", &seed.to_string()]);
    if let Some(only) = only {
        cmd.args(["--only", only]);
    }
    let ok = cmd.status().is_ok_and(|s| s.success());
    assert!(ok, "passweb-sample failed");
    Some(dir)
}
