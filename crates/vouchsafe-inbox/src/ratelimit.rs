//! A token bucket per client address: enough to stop one host from flooding the inbox, small
//! enough to read. Behind a reverse proxy every request comes from the proxy's address; run
//! the limit at the proxy then, and turn this one off (`--rate-limit 0`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Most addresses tracked before idle ones are forgotten.
const MAX_TRACKED: usize = 100_000;

/// Requests per second per address, with a burst of twice that.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` requests per second, bursts of `2 × per_second`.
    pub fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second);
        Self {
            per_second,
            burst: per_second * 2.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a request from `addr` may proceed now.
    pub fn allow(&self, addr: IpAddr) -> bool {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&addr) {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = buckets.entry(addr).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_refuses_and_keeps_addresses_apart() {
        let limiter = RateLimiter::new(5);
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        let allowed = (0..20).filter(|_| limiter.allow(a)).count();
        assert!((10..=11).contains(&allowed), "{allowed}");
        assert!(limiter.allow(b));
    }
}
