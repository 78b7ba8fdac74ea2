//! The inbox's grant delivery body (docs/protocol.md §3, OpenID4VP `direct_post`): arbitrary
//! bytes through the `application/x-www-form-urlencoded` parser (`parse_form`: exactly one
//! `vp_token` of the shape `{"profile": ["<grant>"]}` and one `state`), then, whatever the
//! grant's signature, its claims through the released-claims check against a fixed request
//! (asked for, required present). Never a panic; every claim a check accepts was asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_inbox::delivery::{check_released, parse_form};
use vouchsafe_inbox::request::{ConsentItem, RequestSpec, parse_channels, parse_claims};

fn spec() -> Option<RequestSpec> {
    let text = |t: &str| [("en".to_owned(), t.to_owned())].into();
    Some(RequestSpec {
        items: vec![
            ConsentItem {
                claims: parse_claims("email,given_name").ok()?,
                required: true,
                purpose: text("coupon"),
            },
            ConsentItem {
                claims: parse_claims("age_over_19,address.locality").ok()?,
                required: false,
                purpose: text("shop"),
            },
        ],
        purpose_category: "https://w3id.org/dpv#ServicePersonalisation".into(),
        retention: "P1Y".into(),
        channels: parse_channels("email:info,sms:ad").ok()?,
        offer: text("coffee"),
        refusal: text("no coffee"),
        client_name: None,
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok((grant, _state)) = parse_form(data) else {
        return;
    };
    let Ok(jws) = vouchsafe_token::CompactJws::parse(&grant) else {
        return;
    };
    let Ok(mut claims) = jws.claims() else { return };
    // What `check_released` sees of a grant: the members that are not envelope claims.
    for envelope in [
        "iss",
        "sub",
        "aud",
        "iat",
        "nbf",
        "exp",
        "jti",
        "nonce",
        "status",
        "authorization_details",
    ] {
        claims.remove(envelope);
    }
    let Some(spec) = spec() else { return };
    if let Ok(received) = check_released(&claims, &spec) {
        let asked: Vec<String> = spec.asked().map(|(p, _)| p.dotted()).collect();
        for name in &received {
            assert!(asked.contains(name), "{name} accepted but never asked for");
        }
    }
});
