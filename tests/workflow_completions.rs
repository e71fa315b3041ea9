//! Shell completions and man pages from the clap definitions.

use std::process::{Command, Output};

fn clerkmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn completions_for_each_shell_know_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = clerkmap(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = out(&o);
        for cmd in ["run", "check", "test", "explain", "inspect", "fmt", "init"] {
            assert!(s.contains(cmd), "{shell} completions lack `{cmd}`");
        }
    }
    let s = out(&clerkmap(&["completions", "bash"]));
    assert!(s.contains("--review") && s.contains("--max-rejects"));
    insta::assert_snapshot!("fish", out(&clerkmap(&["completions", "fish"])));
}

#[test]
fn man_pages() {
    let o = clerkmap(&["completions", "--man"]);
    assert_eq!(o.status.code(), Some(0));
    let s = out(&o);
    assert!(s.contains(".TH clerkmap 1"), "{s}");
    assert!(s.contains("explain"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join("man");
    let o = clerkmap(&["completions", "--man", "--out", &dir.display().to_string()]);
    assert_eq!(o.status.code(), Some(0));
    for page in [
        "clerkmap.1",
        "clerkmap-run.1",
        "clerkmap-test.1",
        "clerkmap-fmt.1",
    ] {
        assert!(dir.join(page).is_file(), "{page} not written");
    }
    let o = clerkmap(&["completions"]);
    assert_eq!(o.status.code(), Some(2));
}
