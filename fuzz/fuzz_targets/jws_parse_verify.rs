//! Compact JWS parsing and full grant verification on arbitrary text: every input must end in
//! `Ok` or a `VerifyError`, never a panic, and the batch path must agree with the single path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_verify::{IssuerPolicy, StatusPolicy, VerifyOptions, verify_grant, verify_grants};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // An optional second line is used as the status list token.
    let (token, list) = match text.split_once('\n') {
        Some((token, list)) => (token, Some(list)),
        None => (text.as_ref(), None),
    };
    let _ = vouchsafe_token::CompactJws::parse(token).map(|jws| jws.claims());
    let opts = VerifyOptions {
        audience: "acme-coffee".to_owned(),
        issuer: IssuerPolicy::AnyConsumer,
        status: list.map_or(StatusPolicy::Waived, |l| StatusPolicy::List(l.to_owned())),
        // Inside the reference vectors' validity, so valid inputs reach every check.
        now: 1_767_228_600,
    };
    let single = verify_grant(token, &opts);
    let batch = verify_grants(&[token, token], &opts);
    for result in &batch {
        assert_eq!(
            result
                .as_ref()
                .map(|g| g.claims().clone())
                .map_err(ToString::to_string),
            single
                .as_ref()
                .map(|g| g.claims().clone())
                .map_err(ToString::to_string),
        );
    }
});
