//! Status list decoding: `lst` base64url + ZLIB inflation (bounded) for every entry width, and
//! status list token verification.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_token::StatusList;
use vouchsafe_verify::StatusListVerified;

fuzz_target!(|data: &[u8]| {
    let Some((&bits, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    // Raw `lst` text with the first byte as the width (mostly invalid widths, which must be
    // refused), and with each supported width.
    for bits in [bits, 1, 2, 4, 8] {
        if let Ok(list) = StatusList::from_lst(bits, &text) {
            let len = list.len();
            assert_eq!(list.get(len), None);
            if len > 0 {
                assert!(list.get(len - 1).is_some());
            }
        }
    }
    // The same text as a whole status list token.
    if let Ok(verified) = StatusListVerified::verify(&text) {
        let _ = verified.is_stale(i64::MAX);
        let _ = verified.list().get(usize::MAX);
    }
    // Raw bytes as an already inflated list.
    if let Ok(list) = StatusList::from_bytes(8, rest.to_vec()) {
        assert_eq!(list.len(), rest.len());
    }
});
