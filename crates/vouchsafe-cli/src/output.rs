//! Formatting fields for people (a table) and programs (JSON).

use serde_json::json;
use vouchsafe::Field;

fn field_value(f: &Field) -> serde_json::Value {
    json!({
        "name": f.name.to_string(),
        "value": f.value.as_str(),
        "label": f.label.as_deref().map(|s| s.as_str()),
        "updated_at": f.updated_at,
    })
}

pub fn field_json(f: &Field) -> String {
    field_value(f).to_string()
}

pub fn fields_json(fields: &[Field]) -> String {
    serde_json::Value::Array(fields.iter().map(field_value).collect()).to_string()
}

pub fn fields_table(fields: &[Field]) -> String {
    let width = fields
        .iter()
        .map(|f| f.name.to_string().chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for f in fields {
        let name = f.name.to_string();
        let pad = " ".repeat(width - name.chars().count());
        match &f.label {
            Some(l) => out.push_str(&format!(
                "{name}{pad}  {}  ({})\n",
                f.value.as_str(),
                l.as_str()
            )),
            None => out.push_str(&format!("{name}{pad}  {}\n", f.value.as_str())),
        }
    }
    out
}
