//! The inbox's grant delivery body (docs/protocol.md §3, OpenID4VP `direct_post`): arbitrary
//! bytes through the `application/x-www-form-urlencoded` parser (`parse_form`: exactly one
//! `vp_token` of the shape `{"profile": ["<grant>"]}` and one `state`), then, whatever the
//! grant's signature, its claims through the released-claims check against a fixed request
//! (asked for, required present), with no derived fact and with every kind of one standing in.
//! Never a panic; every claim a check accepts was asked for, or is filled by a fact derived from
//! what was.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vouchsafe_inbox::delivery::{check_released, parse_form};
use vouchsafe_inbox::request::{ConsentItem, RequestSpec, parse_channels, parse_claims};
use vouchsafe_token::derived::DerivedFact;

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
    let asked: Vec<String> = spec.asked().map(|(p, _)| p.dotted()).collect();
    // A first delivery takes no derived fact in place of what was asked.
    if let Ok(received) = check_released(&claims, &spec, &[]) {
        for name in &received {
            assert!(asked.contains(name), "{name} accepted but never asked for");
        }
    }
    // A narrowing may: a claim not asked for is accepted only when a fact the grant names
    // fills it and is computed from a claim that was asked for.
    let facts: Vec<DerivedFact> = every_fact();
    if let Ok(received) = check_released(&claims, &spec, &facts) {
        for name in &received {
            let path: Vec<&str> = name.split('.').collect();
            let stands_in = facts.iter().any(|f| {
                f.fills(&path)
                    && spec.asked().any(|(p, _)| {
                        let asked: Vec<&str> = p.0.iter().map(String::as_str).collect();
                        f.derives_from(&asked)
                    })
            });
            assert!(
                asked.contains(name) || stands_in,
                "{name} accepted but neither asked for nor derived from what was"
            );
        }
    }
});

/// Every kind of derived fact, so the check sees each one stand in.
fn every_fact() -> Vec<DerivedFact> {
    ["adult_kr", "age_over_19", "birthday", "city"]
        .into_iter()
        .filter_map(DerivedFact::from_datatype)
        .collect()
}
