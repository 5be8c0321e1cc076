//! Time is an argument: the glue reads `Date.now()`, tests use a fake clock.

/// Milliseconds since the Unix epoch, from the host.
pub trait Clock {
    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}
