//! `clerkmap completions`: shell completions and man pages, generated from the clap definitions.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::aot::{Shell, generate};

use super::term::Ui;
use super::{Cli, exit};

#[derive(Args, Debug)]
#[command(after_help = format!("\
Examples:
  clerkmap completions bash > ~/.local/share/bash-completion/completions/clerkmap
  clerkmap completions zsh > ~/.zfunc/_clerkmap
  clerkmap completions fish > ~/.config/fish/completions/clerkmap.fish
  clerkmap completions --man > clerkmap.1          # the main page
  clerkmap completions --man --out man/            # clerkmap.1 and one page per command\n\n{}", super::exit_codes_help()))]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum, required_unless_present = "man")]
    pub shell: Option<Shell>,
    /// Print the man page (roff) instead.
    #[arg(long, conflicts_with = "shell")]
    pub man: bool,
    /// With --man: write clerkmap.1 and a page per command (clerkmap-run.1, ...) into DIR.
    #[arg(long, value_name = "DIR", requires = "man")]
    pub out: Option<PathBuf>,
}

pub(crate) fn cmd(a: CompletionsArgs, ui: &Ui) -> u8 {
    let cmd = Cli::command();
    if a.man {
        if let Some(dir) = &a.out {
            if let Err(e) = std::fs::create_dir_all(dir) {
                ui.error(format!("{}: cannot create: {e}", dir.display()));
                return exit::FAILURE;
            }
            return match clap_mangen::generate_to(cmd, dir) {
                Ok(()) => {
                    ui.say(format!("wrote the man pages to {}", dir.display()));
                    exit::OK
                }
                Err(e) => {
                    ui.error(format!(
                        "{}: cannot write the man pages: {e}",
                        dir.display()
                    ));
                    exit::FAILURE
                }
            };
        }
        let mut buf = Vec::new();
        if let Err(e) = clap_mangen::Man::new(cmd).render(&mut buf) {
            ui.error(format!("cannot render the man page: {e}"));
            return exit::FAILURE;
        }
        return write_out(ui, &buf);
    }
    let Some(shell) = a.shell else {
        ui.error("name a shell (bash, zsh, fish, elvish, powershell) or pass --man");
        return exit::USAGE;
    };
    let mut cmd = cmd;
    let mut buf = Vec::new();
    generate(shell, &mut cmd, "clerkmap", &mut buf);
    write_out(ui, &buf)
}

fn write_out(ui: &Ui, buf: &[u8]) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(buf).and_then(|()| out.flush()) {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            ui.error(format!("cannot write: {e}"));
            exit::FAILURE
        }
    }
}
