//! Passphrases as they arrive over IPC.
//!
//! Tauri deserialises command arguments; taking them as a plain `String` would leave copies
//! that are never wiped and print in any `{:?}`. [`SecretArg`] wipes itself on drop, prints as
//! `[redacted]`, cannot be cloned or serialised back, and turns into the core's
//! [`Passphrase`] by moving, not copying, its text.

use std::fmt;

use serde::{Deserialize, Deserializer};
use vouchsafe::Passphrase;
use zeroize::Zeroizing;

/// A secret string argument (a passphrase) from the UI.
pub struct SecretArg(Zeroizing<String>);

impl SecretArg {
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// The text, for the few places that must read it (strength estimate).
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// Hand the text to the core's passphrase type; the buffer moves, so no copy is left behind.
    pub fn into_passphrase(mut self) -> Passphrase {
        Passphrase::new(std::mem::take(&mut *self.0))
    }
}

impl fmt::Debug for SecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretArg([redacted])")
    }
}

impl<'de> Deserialize<'de> for SecretArg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretArg::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_deserialises_from_a_json_string() {
        let s: SecretArg = serde_json::from_str("\"correct horse\"").expect("json");
        assert_eq!(format!("{s:?}"), "SecretArg([redacted])");
        assert_eq!(s.expose(), "correct horse");
        let p = s.into_passphrase();
        assert!(p.matches(&Passphrase::new("correct horse")));
    }
}
