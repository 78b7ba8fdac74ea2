//! The clock auto-lock reads: time since boot, counting time spent asleep.
//!
//! `std::time::Instant` is `CLOCK_MONOTONIC` on Linux, which stops while the machine is
//! suspended: a laptop closed for an hour with a 5-minute timeout would wake up still unlocked,
//! the idle timer having counted none of that hour. `CLOCK_BOOTTIME` keeps counting through
//! suspend, so the hour counts as idle and the first look after waking locks.

use std::ops::Add;
use std::sync::Arc;
use std::time::Duration;

/// A point in time as the idle timer sees it: the time since boot, asleep or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BootInstant(Duration);

impl BootInstant {
    /// Now, on `CLOCK_BOOTTIME`.
    #[cfg(target_os = "linux")]
    pub fn now() -> Self {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        let secs = u64::try_from(t.tv_sec).unwrap_or(0);
        let nanos = u32::try_from(t.tv_nsec).unwrap_or(0);
        Self(Duration::new(secs, nanos))
    }

    /// Now, elsewhere: the monotonic clock since the first call (whether it counts sleep depends
    /// on the platform; Linux, where it does not, takes the branch above).
    #[cfg(not(target_os = "linux"))]
    pub fn now() -> Self {
        use std::sync::OnceLock;
        use std::time::Instant;
        static START: OnceLock<Instant> = OnceLock::new();
        Self(START.get_or_init(Instant::now).elapsed())
    }

    /// The instant `since_boot` after boot (tests, and clocks that are not the system's).
    pub const fn from_since_boot(since_boot: Duration) -> Self {
        Self(since_boot)
    }

    pub const fn since_boot(self) -> Duration {
        self.0
    }

    /// How long after `earlier` this is; zero if it is not later.
    pub fn saturating_duration_since(self, earlier: Self) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// `d` earlier, if that is not before boot.
    pub fn checked_sub(self, d: Duration) -> Option<Self> {
        self.0.checked_sub(d).map(Self)
    }
}

impl Add<Duration> for BootInstant {
    type Output = Self;
    fn add(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d))
    }
}

/// Where the app state reads the time: the system's boot-time clock, or in tests a clock
/// they move by hand (to jump over a simulated suspend without sleeping).
pub type IdleClock = Arc<dyn Fn() -> BootInstant + Send + Sync>;

/// The system's boot-time clock.
pub fn system_clock() -> IdleClock {
    Arc::new(BootInstant::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_time_moves_forward_and_is_at_least_the_monotonic_uptime() {
        let a = BootInstant::now();
        std::thread::sleep(Duration::from_millis(20));
        let b = BootInstant::now();
        assert!(b.saturating_duration_since(a) >= Duration::from_millis(20));
        assert_eq!(a.saturating_duration_since(b), Duration::ZERO);
        #[cfg(target_os = "linux")]
        {
            // CLOCK_BOOTTIME = CLOCK_MONOTONIC + time suspended, so never less.
            let mono = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
            let boot = BootInstant::now().since_boot();
            assert!(boot.as_secs() >= u64::try_from(mono.tv_sec).unwrap_or(u64::MAX));
        }
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        let t = BootInstant::from_since_boot(Duration::from_secs(10));
        assert_eq!(t.checked_sub(Duration::from_secs(11)), None);
        assert_eq!(
            t.checked_sub(Duration::from_secs(4)),
            Some(BootInstant::from_since_boot(Duration::from_secs(6)))
        );
        assert_eq!(
            (t + Duration::MAX).since_boot(),
            Duration::MAX,
            "adding saturates"
        );
    }
}
