//! `vouchsafe://` links the desktop hands to the app.
//!
//! The `.deb` registers the scheme (tauri.conf.json `plugins.deep-link.desktop.schemes` puts
//! `x-scheme-handler/vouchsafe` in the `.desktop` file's `MimeType`, and `linux/vouchsafe.desktop.hbs`
//! the `%u` of its `Exec`), so a click on a link in a browser starts the app with the link as its
//! one argument. The deep-link
//! plugin reads that argument at start; a second launch hands its argument to the running app
//! through the single-instance plugin (D-Bus), which forwards it to the deep-link plugin.
//!
//! Either way the link ends up here: its form is checked, it is kept until the window takes it
//! (`take_connect_link`, only while unlocked), and the window is told (`connect-link`). Nothing
//! is fetched or sent here; the Connect screen previews the request and the person decides.

use std::sync::Mutex;

use vouchsafe::connect::request::{Link, parse_link};
use vouchsafe_app::connect::LocalText;
use vouchsafe_app::dto::HandedLinkDto;

/// The only form of link the app acts on.
const CONNECT_PREFIX: &str = "vouchsafe://connect?";
/// How much of a refused link the error shows: enough to recognise it, not a page of text.
const SHOWN_CHARS: usize = 120;

/// The last link handed over and not yet taken by the window. A newer link replaces an older
/// one: the person clicked it last.
#[derive(Debug, Default)]
pub struct PendingLink(Mutex<Option<HandedLinkDto>>);

impl PendingLink {
    pub fn put(&self, link: HandedLinkDto) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(link);
        }
    }

    pub fn take(&self) -> Option<HandedLinkDto> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Check a handed-over link's form: `vouchsafe://connect?request_uri=…` with an http(s)
/// request URI. Anything else comes back with a one-line reason in both languages.
pub fn check(raw: &str) -> HandedLinkDto {
    let link = raw.trim();
    let refuse = |en: String, ko: String| HandedLinkDto {
        link: shown(link),
        error: Some(LocalText { ko, en }),
    };
    if !link.starts_with(CONNECT_PREFIX) {
        return refuse(
            format!(
                "This link cannot be opened: only vouchsafe://connect?request_uri=… links are accepted, not {}",
                shown(link)
            ),
            format!(
                "이 링크는 열 수 없습니다: vouchsafe://connect?request_uri=… 링크만 받습니다({})",
                shown(link)
            ),
        );
    }
    match parse_link(link) {
        Ok(Link::Uri(uri)) if uri.starts_with("https://") || uri.starts_with("http://") => {
            HandedLinkDto {
                link: link.to_string(),
                error: None,
            }
        }
        Ok(_) => refuse(
            "This link cannot be opened: its request_uri is not an https:// address".into(),
            "이 링크는 열 수 없습니다: request_uri가 https:// 주소가 아닙니다".into(),
        ),
        Err(_) => refuse(
            "This link cannot be opened: it has no request_uri".into(),
            "이 링크는 열 수 없습니다: request_uri가 없습니다".into(),
        ),
    }
}

/// `text` cut to [`SHOWN_CHARS`] characters (on a character boundary), with an ellipsis.
fn shown(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_link_with_a_request_uri_is_accepted_as_given() {
        let l = "vouchsafe://connect?request_uri=https%3A%2F%2Fshop.example%2Fr%2F8f3c";
        assert_eq!(
            check(&format!(" {l}\n")),
            HandedLinkDto {
                link: l.to_string(),
                error: None
            }
        );
        let local = "vouchsafe://connect?request_uri=http%3A%2F%2F127.0.0.1%3A9%2Fr%2F1";
        assert_eq!(check(local).error, None);
    }

    #[test]
    fn anything_else_is_refused_with_a_reason_in_both_languages() {
        for (link, says) in [
            (
                "vouchsafe://other?request_uri=https%3A%2F%2Fa.example",
                "only vouchsafe://connect",
            ),
            ("vouchsafe://connect?x=1", "no request_uri"),
            (
                "vouchsafe://connect?request_uri=file%3A%2F%2F%2Fetc%2Fpasswd",
                "not an https://",
            ),
            (
                "vouchsafe://connect?request_uri=%2Fetc%2Fpasswd",
                "not an https://",
            ),
            ("https://shop.example/r/1", "only vouchsafe://connect"),
            ("", "only vouchsafe://connect"),
        ] {
            let got = check(link);
            let e = got.error.unwrap_or_else(|| panic!("{link:?} accepted"));
            assert!(e.en.contains(says), "{link:?}: {}", e.en);
            assert!(!e.en.contains('\n') && !e.ko.is_empty(), "{link:?}");
        }
    }

    #[test]
    fn a_long_refused_link_is_cut_on_a_character_boundary() {
        let long = format!("vouchsafe://{}", "가".repeat(500));
        let got = check(&long);
        assert_eq!(got.link.chars().count(), SHOWN_CHARS + 1);
        assert!(got.link.ends_with('…'));
    }

    #[test]
    fn a_newer_link_replaces_the_one_not_yet_taken_and_is_taken_once() {
        let pending = PendingLink::default();
        pending.put(check(
            "vouchsafe://connect?request_uri=https%3A%2F%2Fa.example%2F1",
        ));
        pending.put(check(
            "vouchsafe://connect?request_uri=https%3A%2F%2Fb.example%2F2",
        ));
        let taken = pending.take().expect("a link");
        assert!(taken.link.contains("b.example"), "{}", taken.link);
        assert_eq!(pending.take(), None);
    }
}
