//! An explanation as text: the record, the verdict, every step with the values it read and
//! used, then the Clerk record.

use std::fmt::Write as _;

use crate::value::Value;

use super::{Evaluated, Explanation, Verdict};

const MAX_VALUE: usize = 300;

fn shown(v: &Value) -> String {
    crate::value::elide_counted(&v.to_string(), MAX_VALUE)
}

fn shown_eval(v: &Evaluated) -> String {
    match v {
        Ok(v) => shown(v),
        Err(e) => format!("error: {e}"),
    }
}

/// Statement text on several lines: continuation lines indented under the first.
fn statement(text: &str) -> String {
    let mut lines = text.lines();
    let mut out = lines.next().unwrap_or("").to_string();
    for l in lines {
        out.push_str("\n      ");
        out.push_str(l.trim_start());
    }
    out
}

impl Explanation {
    /// The explanation as text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let id = self
            .id
            .as_ref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{id}: from `{}`, {}{}",
            self.entity.singular(),
            self.source,
            self.location,
            self.rows
                .map(|n| {
                    let among = self
                        .row
                        .as_ref()
                        .map(|r| format!(", {r} among them"))
                        .unwrap_or_default();
                    format!(
                        " (a group of {n} row{}{among})",
                        if n == 1 { "" } else { "s" }
                    )
                })
                .unwrap_or_default()
        );
        let verdict = match &self.verdict {
            Verdict::Written(_) => "written".to_string(),
            Verdict::Filtered { condition, at } => format!(
                "filtered out: `where {}` ({at}) does not hold, so the record is not sent (the values below are what it would have had)",
                condition.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
            Verdict::Rejected(reasons) => {
                let mut s = String::from("rejected:");
                for r in reasons {
                    let _ = write!(s, "\n  - {r}");
                }
                s
            }
        };
        let _ = writeln!(out, "result: {verdict}\n");
        for s in &self.steps {
            let _ = writeln!(out, "  {}", statement(&s.text));
            let _ = writeln!(out, "      at {}", s.at);
            let _ = writeln!(out, "      = {}", shown_eval(&s.value));
            for (i, (p, v)) in s.reads.iter().enumerate() {
                let lead = if i == 0 { "reads" } else { "     " };
                let _ = writeln!(out, "      {lead} {p} = {}", shown_eval(v));
            }
            for (i, (n, v)) in s.uses.iter().enumerate() {
                let lead = if i == 0 { "uses " } else { "     " };
                let _ = writeln!(out, "      {lead} {n} = {}", shown_eval(v));
            }
            out.push('\n');
        }
        if let Verdict::Written(rec) = &self.verdict {
            let _ = writeln!(out, "the Clerk record:");
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(rec).unwrap_or_default()
            );
        }
        out
    }
}
