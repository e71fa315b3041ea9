//! Expected outputs: insta-compatible `.snap` files (a YAML header between `---` lines, then the
//! value as pretty JSON, as `insta::assert_json_snapshot!` writes it) or plain `.json` files.

use std::path::Path;

use crate::value::Value;

/// Reads an expected output. `Ok(None)`: there is none yet.
pub fn read(path: &Path) -> Result<Option<Value>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    let body = if is_snap(path) {
        snap_body(&text)
    } else {
        &text
    };
    serde_json::from_str(body).map(Some).map_err(|e| {
        format!(
            "{}:{}: not valid JSON ({e}); fix it, or delete it and run `clerkmap test --accept` to write it again",
            path.display(),
            e.line() + header_lines(&text, path)
        )
    })
}

fn is_snap(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()) == Some("snap")
}

/// The part of a `.snap` file after its `---` header (the whole text when there is none).
fn snap_body(text: &str) -> &str {
    let t = text.trim_start_matches('\u{feff}');
    let Some(rest) = t
        .strip_prefix("---\n")
        .or_else(|| t.strip_prefix("---\r\n"))
    else {
        return t;
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            return &rest[offset..];
        }
    }
    t
}

fn header_lines(text: &str, path: &Path) -> usize {
    if !is_snap(path) {
        return 0;
    }
    let body = snap_body(text);
    let header = &text[..text.len() - body.len()];
    header.matches('\n').count()
}

/// The text of an expected output file for `value`.
pub fn render(path: &Path, value: &Value, case_file: &Path) -> String {
    let json = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    if is_snap(path) {
        let source = case_file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("---\nsource: {source}\nexpression: clerkmap test\n---\n{json}\n")
    } else {
        format!("{json}\n")
    }
}

/// Writes an expected output (creating its folder).
pub fn write(path: &Path, value: &Value, case_file: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    }
    std::fs::write(path, render(path, value, case_file))
        .map_err(|e| format!("{}: cannot write: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn snap_round_trip() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = tmp.path().join("x.snap");
        let v = json!({"products": [{"id": "A", "price": 1.5}]});
        write(&p, &v, Path::new("cases/x.yaml")).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        assert!(text.starts_with("---\nsource: x.yaml\nexpression: clerkmap test\n---\n{"));
        assert_eq!(read(&p).unwrap_or_else(|e| panic!("{e}")), Some(v));
        assert_eq!(read(&tmp.path().join("none.snap")), Ok(None));
    }

    #[test]
    fn insta_headers_are_skipped_and_errors_point_at_the_line() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = tmp.path().join("y.snap");
        std::fs::write(
            &p,
            "---\nsource: tests/x.rs\nexpression: v\nsnapshot_kind: text\n---\n{\n  \"a\": 1,\n}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = read(&p).err().unwrap_or_default();
        assert!(e.contains("y.snap:8:"), "{e}");
    }
}
