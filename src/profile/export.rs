//! The portable JSON export: an OpenID Connect-shaped object, so anything that
//! understands a UserInfo response can read most of it without Vouchsafe.

use serde_json::{Map, Value, json};

use super::field::FieldName;
use super::normalize::list_items;

/// Build the export object from `(field, stored value, label)` triples.
///
/// Shape:
/// - standard fields as top-level string claims (`"given_name": "민준"`);
/// - address parts nested under `"address"` as in OIDC §5.1.1;
/// - list fields as JSON arrays (`"interests": ["캠핑", "커피"]`);
/// - memberships under `"memberships": {NAME: number}`;
/// - custom fields under `"custom": {NAME: {"value": …, "label": … or null}}`
///   (the label is always present so every entry has the same shape);
/// - labels of non-custom fields under `"labels": {"dotted.name": label}`.
///
/// Values are expected to be already normalised (as stored); they are not
/// re-validated here. If a field occurs twice, the later entry wins, label
/// included. Empty objects are left out. Keys are sorted (serde_json's
/// default map), so the output is deterministic.
pub fn export_json<'a>(
    fields: impl IntoIterator<Item = (&'a FieldName, &'a str, Option<&'a str>)>,
) -> Value {
    let mut root = Map::new();
    let mut address = Map::new();
    let mut memberships = Map::new();
    let mut custom = Map::new();
    let mut labels = Map::new();

    for (name, value, label) in fields {
        let v = if name.is_list() {
            Value::Array(list_items(value).into_iter().map(Value::String).collect())
        } else {
            Value::String(value.to_owned())
        };
        match name {
            FieldName::Std(f) => {
                root.insert(f.as_str().to_owned(), v);
            }
            FieldName::Address(p) => {
                address.insert(p.as_str().to_owned(), v);
            }
            FieldName::Membership(n) => {
                memberships.insert(n.clone(), v);
            }
            FieldName::Custom(n) => {
                custom.insert(n.clone(), json!({ "value": v, "label": label }));
                continue;
            }
        }
        match label {
            Some(l) => labels.insert(name.to_string(), Value::String(l.to_owned())),
            None => labels.remove(&name.to_string()),
        };
    }

    for (key, map) in [
        ("address", address),
        ("memberships", memberships),
        ("custom", custom),
        ("labels", labels),
    ] {
        if !map.is_empty() {
            root.insert(key.to_owned(), Value::Object(map));
        }
    }
    Value::Object(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> FieldName {
        s.parse()
            .unwrap_or(FieldName::Custom("parse_failed".into()))
    }

    #[test]
    fn full_shape() {
        let names: Vec<FieldName> = [
            "family_name",
            "given_name",
            "name",
            "email",
            "phone_number",
            "birthdate",
            "address.street_address",
            "address.locality",
            "address.region",
            "address.postal_code",
            "address.country",
            "interests",
            "contact_channels",
            "shoe_size",
            "membership.cj_one",
            "custom.혈액형",
            "custom.note",
        ]
        .into_iter()
        .map(f)
        .collect();
        let values = [
            ("김", None),
            ("민준", None),
            ("김민준", None),
            ("minjun@example.com", Some("개인 메일")),
            ("+821012345678", None),
            ("1990-05-17", None),
            ("세종대로 110", None),
            ("중구", None),
            ("서울특별시", None),
            ("04524", None),
            ("KR", None),
            ("캠핑, 커피, 재즈", None),
            ("email, sms", None),
            ("265", Some("운동화")),
            ("1234 5678", Some("CJ ONE")),
            ("A형", Some("혈액형")),
            ("hello", None),
        ];
        let got = export_json(
            names
                .iter()
                .zip(values.iter())
                .map(|(n, (v, l))| (n, *v, *l)),
        );
        let want = json!({
            "family_name": "김",
            "given_name": "민준",
            "name": "김민준",
            "email": "minjun@example.com",
            "phone_number": "+821012345678",
            "birthdate": "1990-05-17",
            "address": {
                "street_address": "세종대로 110",
                "locality": "중구",
                "region": "서울특별시",
                "postal_code": "04524",
                "country": "KR"
            },
            "interests": ["캠핑", "커피", "재즈"],
            "contact_channels": ["email", "sms"],
            "shoe_size": "265",
            "memberships": { "cj_one": "1234 5678" },
            "custom": {
                "혈액형": { "value": "A형", "label": "혈액형" },
                "note": { "value": "hello", "label": null }
            },
            "labels": {
                "email": "개인 메일",
                "shoe_size": "운동화",
                "membership.cj_one": "CJ ONE"
            }
        });
        assert_eq!(got, want);
    }

    #[test]
    fn empty_input_is_empty_object() {
        assert_eq!(export_json(std::iter::empty()), json!({}));
    }

    #[test]
    fn no_labels_key_without_labels() {
        let n = f("email");
        let got = export_json([(&n, "a@b.com", None)]);
        assert_eq!(got, json!({ "email": "a@b.com" }));
    }

    #[test]
    fn later_entries_win() {
        let n = f("email");
        let got = export_json([(&n, "old@b.com", Some("old")), (&n, "new@b.com", None)]);
        assert_eq!(got, json!({ "email": "new@b.com" }));
        let got = export_json([(&n, "old@b.com", None), (&n, "new@b.com", Some("work"))]);
        assert_eq!(
            got,
            json!({ "email": "new@b.com", "labels": { "email": "work" } })
        );
    }

    #[test]
    fn address_formatted_keeps_newlines_and_lists_can_be_single() {
        let a = f("address.formatted");
        let d = f("dietary_preferences");
        let got = export_json([(&a, "line 1\nline 2", None), (&d, "vegan", None)]);
        assert_eq!(
            got,
            json!({ "address": { "formatted": "line 1\nline 2" }, "dietary_preferences": ["vegan"] })
        );
    }

    #[test]
    fn output_round_trips_through_text() {
        let n = f("custom.혈액형");
        let got = export_json([(&n, "A형 \"quoted\"", Some("혈액형"))]);
        let text = serde_json::to_string(&got).unwrap_or_default();
        let back: Value = serde_json::from_str(&text).unwrap_or_default();
        assert_eq!(back, got);
    }
}
