//! Where the vault gets the time from. Passed in rather than read from the system everywhere,
//! so that expiry, the audit log's timestamps and "today" for `age_over_NN` can be tested at
//! any moment without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time in Unix seconds.
pub trait Clock: Send + Sync {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> i64;

    /// The current calendar date in the consumer's time zone (expiry dates, ages).
    fn today(&self) -> jiff::civil::Date {
        local_date(self.now())
    }
}

/// The calendar date of `secs` in the system time zone.
pub fn local_date(secs: i64) -> jiff::civil::Date {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::system()).date())
        .unwrap_or_default()
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second()
    }
}

/// A clock that stands still until told otherwise. Clones share one time, so a test keeps a
/// clone and moves the vault's time forward with [`FixedClock::advance`].
#[derive(Debug, Clone)]
pub struct FixedClock(Arc<AtomicI64>);

impl FixedClock {
    pub fn at(secs: i64) -> Self {
        Self(Arc::new(AtomicI64::new(secs)))
    }

    /// Set the time to `secs`.
    pub fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }

    /// Move the time forward (or back, with a negative `secs`).
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock a vault holds: shared, so a test and the vault can see one time.
pub type SharedClock = Arc<dyn Clock>;

/// The default for vaults opened without a clock.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_clones_share_one_time() {
        let c = FixedClock::at(1_000);
        let seen_by_vault: SharedClock = Arc::new(c.clone());
        c.advance(86_400);
        assert_eq!(seen_by_vault.now(), 87_400);
        c.set(5);
        assert_eq!(seen_by_vault.now(), 5);
    }

    #[test]
    fn system_clock_is_after_2025() {
        assert!(SystemClock.now() > 1_735_689_600);
    }
}
