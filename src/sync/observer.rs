//! How a push reports its progress without drawing it: the [`PushObserver`] the caller passes
//! in (the command line draws bars or lines; a library user may log, count or ignore), which the
//! client's retry notices also go to.

/// Receives a push's progress: stages with a number of units, the units done, and notices
/// (retries, failed batches, an interruption). Called from the push's tasks, so it must be
/// cheap and thread-safe.
pub trait PushObserver: Send + Sync {
    /// A stage starts: `what` ("products: sending"), `total` units (records or ids).
    fn stage(&self, what: &str, total: u64);
    /// `n` more units of the current stage are done (acknowledged or failed).
    fn advance(&self, n: u64);
    /// A notice for a person: a retry, a failed batch (`error: ...`), an interruption.
    fn notice(&self, msg: &str);
    /// The current stage is over.
    fn finish(&self);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl PushObserver for Silent {
    fn stage(&self, _what: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn notice(&self, _msg: &str) {}
    fn finish(&self) {}
}
