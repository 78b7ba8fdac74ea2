//! The shared-list and batch APIs give, token for token, what `verify_grant` gives alone; a
//! stale list is reported as such.

#[allow(dead_code)]
mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use vouchsafe_verify::{
    StatusListVerified, StatusOutcome, StatusPolicy, VerifyError, VerifyOptions, verify_grant,
    verify_grants,
};

/// Renders a result so that two results can be compared exactly (errors by their message,
/// which carries every detail of the variant).
fn shown(result: &Result<vouchsafe_verify::VerifiedGrant, VerifyError>) -> String {
    match result {
        Ok(grant) => format!("ok {:?} {:?}", grant.claims(), grant.status()),
        Err(err) => format!("err {:?}: {err}", err.error_class()),
    }
}

/// A mix of valid tokens and one token per failure class, from several consumers.
fn mixed_tokens() -> Fallible<Vec<String>> {
    let key = key("consumer");
    let other = common::key("other");
    let good = grant(&key)?;
    let mut bad_sig = good.clone();
    bad_sig.truncate(good.len() - 4);
    bad_sig.push_str(if good.ends_with("AAAA") {
        "BBBA"
    } else {
        "AAAA"
    });
    let revoked = sign(
        &key,
        &with(
            claims(&key),
            json!({"status": {"status_list": {"idx": 7, "uri": STATUS_URI}}}),
        ),
    )?;
    let out_of_range = sign(
        &key,
        &with(
            claims(&key),
            json!({"status": {"status_list": {"idx": 5000, "uri": STATUS_URI}}}),
        ),
    )?;
    let wrong_aud = sign(
        &key,
        &with(claims(&key), json!({"aud": "https://x.example"})),
    )?;
    let expired = sign(&key, &with(claims(&key), json!({"exp": NOW - 1000})))?;
    let (input, _) = good.rsplit_once('.').ok_or("dot")?;
    let short_sig = format!("{input}.{}", b64([0u8; 63]));
    let forged = forge(&grant_header(&key)?, &claims(&key), &other)?;
    Ok(vec![
        good.clone(),
        bad_sig,
        grant(&other)?,
        "a.b".to_owned(),
        revoked,
        wrong_aud,
        good,
        expired,
        short_sig,
        out_of_range,
        forged,
        sign(&key, &with(claims(&key), json!({"status": null})))?,
    ])
}

fn with_policy(status: StatusPolicy) -> VerifyOptions {
    VerifyOptions { status, ..opts() }
}

#[test]
fn batch_results_equal_single_results_in_order() -> TestResult {
    let key = key("consumer");
    let tokens = mixed_tokens()?;
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let list = status_list(&key, 1024, &[7], NOW + 600)?;
    for status in [
        StatusPolicy::Waived,
        StatusPolicy::List(list.clone()),
        StatusPolicy::Verified(Arc::new(StatusListVerified::verify(&list)?)),
        StatusPolicy::List("not a list".to_owned()),
    ] {
        let opts = with_policy(status);
        let batch = verify_grants(&refs, &opts);
        assert_eq!(batch.len(), refs.len());
        for (token, result) in refs.iter().zip(&batch) {
            assert_eq!(shown(result), shown(&verify_grant(token, &opts)), "{token}");
        }
        // The first token is valid in every case but the broken list.
        assert_eq!(
            batch[0].is_ok(),
            !matches!(opts.status, StatusPolicy::List(ref l) if l == "not a list")
        );
        assert!(matches!(batch[1], Err(VerifyError::BadSignature(_))));
        assert!(matches!(batch[3], Err(VerifyError::MalformedParts(2))));
        assert!(matches!(batch[8], Err(VerifyError::BadSignature(_))));
        assert!(matches!(batch[10], Err(VerifyError::BadSignature(_))));
    }
    Ok(())
}

#[test]
fn a_batch_of_valid_grants_from_many_consumers_verifies() -> TestResult {
    let tokens: Vec<String> = (0..64)
        .map(|i| grant(&common::key(&format!("consumer-{i}"))))
        .collect::<Fallible<_>>()?;
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let results = verify_grants(&refs, &opts());
    assert!(results.iter().all(Result::is_ok));
    assert!(verify_grants(&[], &opts()).is_empty());
    Ok(())
}

#[test]
fn shared_list_checks_many_grants_and_keeps_every_check() -> TestResult {
    let key = key("consumer");
    let list = StatusListVerified::verify(&status_list(&key, 100_000, &[IDX], NOW + 600)?)?;
    assert_eq!(list.uri(), STATUS_URI);
    assert_eq!(list.list().len(), 100_000);
    let shared = with_policy(StatusPolicy::Verified(Arc::new(list)));
    let grant_at = |idx: usize| {
        sign(
            &key,
            &with(
                claims(&key),
                json!({"status": {"status_list": {"idx": idx, "uri": STATUS_URI}}}),
            ),
        )
    };
    assert_eq!(
        verify_grant(&grant_at(IDX + 1)?, &shared)?.status(),
        StatusOutcome::Valid
    );
    assert!(matches!(
        verify_grant(&grant_at(IDX)?, &shared),
        Err(VerifyError::Revoked {
            idx: IDX,
            status: 1
        })
    ));
    // A list from another consumer cannot vouch for this one's grants.
    assert!(matches!(
        verify_grant(&grant(&common::key("other"))?, &shared),
        Err(VerifyError::StatusListWrongSigner { .. })
    ));
    // exp is enforced at each grant's verification time, with the leeway.
    let late = VerifyOptions {
        now: NOW + 661,
        ..shared.clone()
    };
    assert!(matches!(
        verify_grant(&grant_at(IDX + 1)?, &late),
        Err(VerifyError::StatusListExpired { .. })
    ));
    Ok(())
}

#[test]
fn list_past_its_ttl_is_valid_but_stale_until_exp() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    // The fixture list: iat = NOW - 60, ttl = 300, exp = NOW + 600.
    let list = status_list(&key, 1024, &[], NOW + 600)?;
    let at = |now: i64| VerifyOptions {
        now,
        status: StatusPolicy::List(list.clone()),
        ..opts()
    };
    assert_eq!(
        verify_grant(&token, &at(NOW + 240))?.status(),
        StatusOutcome::Valid
    );
    let stale = verify_grant(&token, &at(NOW + 241))?.status();
    assert_eq!(stale, StatusOutcome::ValidStale);
    assert!(stale.is_stale());
    assert_eq!(stale.as_str(), "valid_stale");
    assert!(matches!(
        verify_grant(&token, &at(NOW + 661)),
        Err(VerifyError::StatusListExpired { .. })
    ));
    let verified = StatusListVerified::verify(&list)?;
    assert!(!verified.is_stale(NOW + 240));
    assert!(verified.is_stale(NOW + 241));
    Ok(())
}

#[test]
fn verified_claims_read_as_typed_claims() -> TestResult {
    let key = key("consumer");
    let grant = verify_grant(&grant(&key)?, &opts())?;
    // The fixture grant lacks purpose and purpose_category, so it is not a Vouchsafe-shaped grant.
    assert!(grant.typed_claims().is_err());
    let full = with(
        claims(&key),
        json!({"authorization_details": [{
            "type": "vouchsafe_profile_release", "datatypes": ["email"],
            "purpose": "p", "purpose_category": "https://w3id.org/dpv#ServicePersonalisation",
        }]}),
    );
    let typed = verify_grant(&sign(&key, &full)?, &opts())?.typed_claims()?;
    assert_eq!(typed.jti, "grant-0001");
    assert_eq!(typed.profile["email"], "ada@example.com");
    Ok(())
}
