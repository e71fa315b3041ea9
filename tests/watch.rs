//! `--watch`: the command runs again when one of its files changes. The child's output is
//! polled (no fixed sleep), every wait is bounded, and the child is killed at the end.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any one wait may take (a loaded CI machine included).
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `clerkmap ... --watch`, its stdout and stderr gathered as they come.
struct Watching {
    child: Child,
    out: Arc<Mutex<String>>,
}

impl Watching {
    fn start(dir: &Path, args: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clerkmap"))
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"));
        let out = Arc::new(Mutex::new(String::new()));
        let streams: Vec<Box<dyn Read + Send>> = vec![
            Box::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout"))),
            Box::new(child.stderr.take().unwrap_or_else(|| panic!("no stderr"))),
        ];
        for mut s in streams {
            let out = Arc::clone(&out);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut o) = out.lock() {
                        o.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        Watching { child, out }
    }

    fn text(&self) -> String {
        self.out.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// Waits until the output holds `want` `times` times; the output so far.
    fn wait_for(&mut self, want: &str, times: usize) -> String {
        let start = Instant::now();
        loop {
            let text = self.text();
            if text.matches(want).count() >= times {
                return text;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("clerkmap stopped ({status}) before `{want}`:\n{text}");
            }
            if start.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!("no `{want}` (x{times}) within {PATIENCE:?}:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const WATCHING: &str = "for changes (Ctrl-C stops)";

#[test]
fn check_runs_again_when_the_mapping_changes() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = tmp.path().join("m.cmap");
    std::fs::write(&mapping, "let site = \"https://x.test\"\n").unwrap_or_else(|e| panic!("{e}"));
    let mut w = Watching::start(tmp.path(), &["check", "--watch", "m.cmap"]);
    let first = w.wait_for(WATCHING, 1);
    assert!(first.contains("m.cmap: ok"), "{first}");
    // An edit in place.
    std::fs::write(&mapping, "let site = strp_html(\"x\")\n").unwrap_or_else(|e| panic!("{e}"));
    let second = w.wait_for(WATCHING, 2);
    assert!(second.contains("error[E003]"), "{second}");
    assert!(second.contains("did you mean `strip_html`?"), "{second}");
    // A save that writes a new file and renames it over the old one (as many editors do).
    let new = tmp.path().join("m.cmap.new");
    std::fs::write(&new, "let site = strip_html(\"x\")\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::rename(&new, &mapping).unwrap_or_else(|e| panic!("{e}"));
    let third = w.wait_for(WATCHING, 3);
    assert_eq!(third.matches("m.cmap: ok").count(), 2, "{third}");
}

#[test]
fn test_shows_the_failing_difference_first() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let init = Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(["init", "-q"])
        .current_dir(tmp.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let mut w = Watching::start(tmp.path(), &["test", "--watch"]);
    let first = w.wait_for(WATCHING, 1);
    assert!(first.contains("test result: ok"), "{first}");
    let mapping = tmp.path().join("mapping.cmap");
    let text = std::fs::read_to_string(&mapping).unwrap_or_else(|e| panic!("{e}"));
    let changed = text.replacen("= .titolo | trim", "= .titolo | trim | upper", 1);
    assert_ne!(
        changed, text,
        "the mapping of `init` has changed: update this test"
    );
    std::fs::write(&mapping, changed).unwrap_or_else(|e| panic!("{e}"));
    let second = w.wait_for(WATCHING, 2);
    let rerun = &second[second.find(WATCHING).map_or(0, |i| i + WATCHING.len())..];
    let failures = rerun.find("failures:").unwrap_or_else(|| panic!("{rerun}"));
    let case = rerun
        .find("test products ... FAILED")
        .unwrap_or_else(|| panic!("{rerun}"));
    assert!(failures < case, "the differences come first:\n{rerun}");
}
