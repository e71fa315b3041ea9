//! A value read with `env()` (the pseudonymization key) is never printed (issue 10): not by
//! `check` in the message of a failing constant, not by `explain` (the `let` that reads it,
//! the names a statement uses, a value or a reason that holds it), not in the reasons of the
//! records a run rejects. It is shown as `"<secret from env NAME>"`.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{code, text};

const KEY: &str = "s3cr3t-K3Y";
const SHOWN: &str = "<secret from env CLERKMAP_PSEUDONYM_KEY>";

fn clerkmap(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("CLERKMAP_PSEUDONYM_KEY", KEY)
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

/// Everything the command printed, and the key must not be in it, in any case.
fn printed(o: &Output) -> String {
    let all = format!("{}{}", text(&o.stdout), text(&o.stderr));
    assert!(!all.to_lowercase().contains(&KEY.to_lowercase()), "{all}");
    all
}

fn write(dir: &Path, name: &str, body: &str) {
    std::fs::write(dir.join(name), body).unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn check_never_quotes_the_key_in_a_failing_constant() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(
        dir.path(),
        "m.cmap",
        "let key = env(\"CLERKMAP_PSEUDONYM_KEY\")\nlet salt = key ~ \"-salt\"\nlet n = salt | int\n\
         customers from clienti { id = .id }\n",
    );
    let o = clerkmap(dir.path(), &["check", "m.cmap"]);
    let out = printed(&o);
    assert_eq!(code(&o), 2, "{out}");
    assert!(out.contains("error[E013]"), "{out}");
    assert!(
        out.contains(&format!("int: cannot read \"{SHOWN}\"")),
        "{out}"
    );
}

#[test]
fn explain_and_run_never_show_the_key() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(
        dir.path(),
        "m.cmap",
        "let key = env(\"CLERKMAP_PSEUDONYM_KEY\")\n\
         customers from clienti {\n  id    = .id\n  let k = env(\"CLERKMAP_PSEUDONYM_KEY\")\n\
         \x20 email = .email | pseudonymize(key)\n  code  = (.n ~ k) | int\n}\n",
    );
    write(
        dir.path(),
        "clienti.ndjson",
        "{\"id\": \"C1\", \"email\": \"a@b.it\"}\n{\"id\": \"C2\", \"email\": \"x@y.it\", \"n\": \"7\"}\n",
    );
    let args = [
        "explain",
        "m.cmap",
        "--input",
        "clienti=clienti.ndjson",
        "--id",
    ];
    // A written record: the `let` that reads the key, and the names that use it.
    let o = clerkmap(dir.path(), &[&args[..], &["C1"]].concat());
    let out = printed(&o);
    assert_eq!(code(&o), 0, "{out}");
    assert!(out.contains("result: written"), "{out}");
    assert!(
        out.contains(&format!(
            "let k = env(\"CLERKMAP_PSEUDONYM_KEY\")\n      at m.cmap:4:3\n      = \"{SHOWN}\""
        )),
        "{out}"
    );
    assert!(out.contains(&format!("uses  key = \"{SHOWN}\"")), "{out}");
    // A rejected record: its reason quotes a value made from the key.
    let o = clerkmap(dir.path(), &[&args[..], &["C2"]].concat());
    let out = printed(&o);
    assert!(out.contains("result: rejected"), "{out}");
    assert!(out.contains(&format!("cannot read \"7{SHOWN}\"")), "{out}");
    assert!(out.contains(&format!("uses  k = \"{SHOWN}\"")), "{out}");
    // A run: the reasons of the rejected record.
    let o = clerkmap(
        dir.path(),
        &[
            "run",
            "m.cmap",
            "--input",
            "clienti=clienti.ndjson",
            "--out",
            "out",
        ],
    );
    printed(&o);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let rejects = std::fs::read_to_string(dir.path().join("out/rejects.ndjson"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!rejects.contains(KEY), "{rejects}");
    assert!(
        rejects.contains(&format!("cannot read \\\"7{SHOWN}\\\"")),
        "{rejects}"
    );
}
