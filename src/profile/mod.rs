//! INTERIM: replaced by the full profile module (field catalogue and validation).
use std::fmt;
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("unknown field {0:?}")]
    UnknownField(String),
    #[error("{0} must not be empty")]
    Empty(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldName {
    Std(String),
    Custom(String),
}

impl FromStr for FieldName {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, ProfileError> {
        match s.strip_prefix("custom.") {
            Some(n) if !n.is_empty() => Ok(FieldName::Custom(n.into())),
            _ if ["email", "given_name", "family_name", "birthdate", "phone_number", "address.locality"].contains(&s) => Ok(FieldName::Std(s.into())),
            _ => Err(ProfileError::UnknownField(s.into())),
        }
    }
}
impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self { FieldName::Std(s) => f.write_str(s), FieldName::Custom(s) => write!(f, "custom.{s}") }
    }
}
pub fn normalize_value(name: &FieldName, raw: &str, _today: jiff::civil::Date) -> Result<String, ProfileError> {
    let v = raw.trim();
    if v.is_empty() { return Err(ProfileError::Empty(name.to_string())); }
    Ok(v.to_string())
}
pub fn validate_label(label: &str) -> Result<String, ProfileError> {
    let v = label.trim();
    if v.is_empty() { return Err(ProfileError::Empty("label".into())); }
    Ok(v.to_string())
}
pub fn export_json<'a>(fields: impl IntoIterator<Item = (&'a FieldName, &'a str, Option<&'a str>)>) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (n, v, _) in fields { m.insert(n.to_string(), v.into()); }
    serde_json::Value::Object(m)
}
