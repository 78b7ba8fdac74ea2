//! Copying a token to the clipboard without leaving it there.
//!
//! The rule: 30 s after copying, clear the clipboard *only if it still holds what we put
//! there*; if the person copied something else meanwhile, that is theirs and stays. The
//! decision lives here behind [`Clipboard`] so it is tested without a desktop; the Tauri shell
//! supplies the real clipboard and the timer.

use std::time::Duration;

use sha2::{Digest, Sha256};

/// How long copied secrets stay on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

/// The clipboard operations the rule needs.
pub trait Clipboard {
    /// The current text, or `None` when it holds no text or cannot be read.
    fn read_text(&self) -> Option<String>;
    fn write_text(&self, text: &str) -> Result<(), String>;
    /// Empty the clipboard.
    fn clear(&self) -> Result<(), String>;
}

/// What was copied, remembered as a SHA-256 digest so the secret itself is not kept in memory
/// for the 30 s wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingClear {
    digest: [u8; 32],
}

/// What [`PendingClear::clear_if_unchanged`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClearOutcome {
    Cleared,
    /// The clipboard holds something else now (or nothing): left alone.
    LeftAlone,
    Failed(String),
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

impl PendingClear {
    /// Remember `text` as ours.
    pub fn new(text: &str) -> Self {
        Self {
            digest: digest(text),
        }
    }

    /// Clear the clipboard if it still holds our text.
    pub fn clear_if_unchanged(&self, clip: &dyn Clipboard) -> ClearOutcome {
        match clip.read_text() {
            Some(now) if digest(&now) == self.digest => match clip.clear() {
                Ok(()) => ClearOutcome::Cleared,
                Err(e) => ClearOutcome::Failed(e),
            },
            _ => ClearOutcome::LeftAlone,
        }
    }
}

/// A clipboard held in memory: what the rule is tested against here and in the command
/// tests, since a test machine has no desktop clipboard to borrow.
#[derive(Default)]
pub struct MemoryClipboard(std::cell::RefCell<Option<String>>);

impl Clipboard for MemoryClipboard {
    fn read_text(&self) -> Option<String> {
        self.0.borrow().clone()
    }
    fn write_text(&self, text: &str) -> Result<(), String> {
        *self.0.borrow_mut() = Some(text.to_string());
        Ok(())
    }
    fn clear(&self) -> Result<(), String> {
        *self.0.borrow_mut() = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clears_only_our_text() {
        let clip = MemoryClipboard::default();
        clip.write_text("eyJ.token").expect("write");
        let pending = PendingClear::new("eyJ.token");
        assert_eq!(pending.clear_if_unchanged(&clip), ClearOutcome::Cleared);
        assert_eq!(clip.read_text(), None);

        clip.write_text("eyJ.token").expect("write");
        clip.write_text("the person's own text").expect("write");
        assert_eq!(pending.clear_if_unchanged(&clip), ClearOutcome::LeftAlone);
        assert_eq!(clip.read_text().as_deref(), Some("the person's own text"));

        clip.clear().expect("clear");
        assert_eq!(pending.clear_if_unchanged(&clip), ClearOutcome::LeftAlone);
    }
}
