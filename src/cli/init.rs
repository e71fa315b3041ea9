//! `clerkmap init`: scaffolds a project that runs and tests green at once.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use super::term::Ui;
use crate::workflow::init;

#[derive(Args, Debug)]
#[command(after_help = format!("\
Writes DIR/clerkmap.yaml, DIR/mapping.cmap (a copy of the built-in Passweb mapping), a small
sample export in DIR/data/, an example test case DIR/tests/products.yaml with its snapshot, and
DIR/.gitignore (out/, the push state file, report.html). Then:

  clerkmap run -c DIR/clerkmap.yaml     # writes DIR/out/products.json, categories.json, ...
  clerkmap test -c DIR/clerkmap.yaml    # the test cases of DIR/tests/\n\n{}", super::exit_codes_help()))]
pub struct InitArgs {
    /// The project folder (created if needed; default: the current folder).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

pub(crate) fn cmd(a: InitArgs, ui: &Ui) -> u8 {
    match init::init(&a.dir, a.force) {
        Ok(created) => {
            for f in &created.files {
                ui.say(format!("created {}", f.display()));
            }
            let cfg = a.dir.join(super::config::DEFAULT_FILE);
            ui.say("\nnext:");
            ui.say(format!("  clerkmap run -c {}", cfg.display()));
            ui.say(format!("  clerkmap test -c {}", cfg.display()));
            ui.say(format!(
                "  edit {} (clerkmap check and clerkmap fmt help), then clerkmap test --review",
                a.dir.join("mapping.cmap").display()
            ));
            exit::OK
        }
        Err(e) => {
            ui.error(e);
            exit::USAGE
        }
    }
}
