//! "Did you mean ...?" suggestions.

/// The candidate closest to `name`, if it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= (name.len().max(c.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `did you mean `x`?`.
pub fn did_you_mean_text(candidate: &str) -> String {
    format!("did you mean `{candidate}`?")
}

/// `Some("did you mean `x`?")`.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(did_you_mean_text)
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            super::closest("strp_html", ["strip_html", "trim"]),
            Some("strip_html")
        );
        assert_eq!(super::closest("xyz", ["strip_html", "trim"]), None);
    }
}
