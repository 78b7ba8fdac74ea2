//! The profile fields repository: one sealed row per field, found by a keyed hash of its name.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::ops::Deref;
use std::path::Path;

use rusqlite::params;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::crypto::record::{OpenError, SealError};
use crate::error::{Result, VaultError};
use crate::profile::{self, FieldName};
use crate::records::{AuditEvent, Records};
use crate::store::StoreError;

pub(crate) const FIELDS: &str = "fields";

/// A profile field as decrypted for display. The value and label are wiped when dropped.
pub struct Field {
    pub name: FieldName,
    pub value: Zeroizing<String>,
    pub label: Option<Zeroizing<String>>,
    /// Unix seconds.
    pub updated_at: i64,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.name.to_string())
            .field("value", &"[redacted]")
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

/// What is sealed in a `fields` row. The name is inside, so the file never says "email".
#[derive(Serialize, Deserialize)]
struct FieldRecord {
    name: String,
    value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

impl Drop for FieldRecord {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.name.zeroize();
        self.value.zeroize();
        self.label.zeroize();
    }
}

/// The profile's fields. `FieldRepo<&Records>` reads; `FieldRepo<&mut Records>` also writes.
#[derive(Debug)]
pub struct FieldRepo<R> {
    rec: R,
}

impl<R: Deref<Target = Records>> FieldRepo<R> {
    pub(crate) fn new(rec: R) -> Self {
        Self { rec }
    }

    fn read_record(&self, id: &str) -> Result<Option<FieldRecord>> {
        let Some(sealed) = self.rec.sealed_by_id::<VaultError>(FIELDS, id)? else {
            return Ok(None);
        };
        Ok(Some(self.rec.open(FIELDS, id, &sealed)?))
    }

    fn to_field(id: &str, rec: &FieldRecord, updated_at: i64) -> Result<Field> {
        // A record that decrypts but holds a name we cannot parse was not written by us.
        let name: FieldName = rec
            .name
            .parse()
            .map_err(|_| OpenError(format!("{FIELDS}/{id}")))?;
        Ok(Field {
            name,
            value: Zeroizing::new(rec.value.clone()),
            label: rec.label.clone().map(Zeroizing::new),
            updated_at,
        })
    }

    /// One field, or `None` if it is not set.
    pub fn get(&self, name: &FieldName) -> Result<Option<Field>> {
        let id = self.rec.lookup_id(FIELDS, &name.to_string());
        let Some(row) = self.rec.verified_row::<VaultError>(FIELDS, &id)? else {
            return Ok(None);
        };
        let (sealed, updated_at) = (row.blob("sealed")?, row.int("updated_at")?);
        let rec: FieldRecord = self.rec.open(FIELDS, &id, &sealed)?;
        // The name inside must be the one asked for: a row renamed in the file is tampering.
        if rec.name != name.to_string() {
            return Err(OpenError(format!("{FIELDS}/{id}")).into());
        }
        Ok(Some(Self::to_field(&id, &rec, updated_at)?))
    }

    /// Every field, sorted by name. Fails on the first record that does not open.
    pub fn list(&self) -> Result<Vec<Field>> {
        let mut out = Vec::new();
        for (id, rec, updated_at) in
            self.rec
                .open_all::<FieldRecord, VaultError>(FIELDS, "updated_at", |r| &r.name)?
        {
            out.push(Self::to_field(&id, &rec, updated_at)?);
        }
        out.sort_by_key(|f| f.name.to_string());
        Ok(out)
    }

    /// Every set field's value, for building a release.
    pub(crate) fn values(&self) -> Result<BTreeMap<FieldName, String>> {
        Ok(self
            .list()?
            .into_iter()
            .map(|f| (f.name.clone(), f.value.to_string()))
            .collect())
    }

    /// The whole profile as portable JSON (OpenID Connect claim names), for the consumer's
    /// right to data portability. The caller decides where it goes; it is plaintext.
    pub fn export_json(&self) -> Result<Zeroizing<String>> {
        let fields = self.list()?;
        let items: Vec<(&FieldName, &str, Option<&str>)> = fields
            .iter()
            .map(|f| {
                (
                    &f.name,
                    f.value.as_str(),
                    f.label.as_deref().map(|s| s.as_str()),
                )
            })
            .collect();
        let exported_at = jiff::Timestamp::from_second(self.rec.now())
            .map(|t| t.to_string())
            .unwrap_or_default();
        let doc = serde_json::json!({
            "vouchsafe_export": 1,
            "exported_at": exported_at,
            "profile": profile::export_json(items),
        });
        let mut text = serde_json::to_string_pretty(&doc).map_err(SealError::Encode)?;
        text.push('\n');
        Ok(Zeroizing::new(text))
    }
}

impl FieldRepo<&mut Records> {
    /// Set a field to what the person typed, validated and normalised by [`profile`].
    /// With `label` `None`, an existing label is kept.
    pub fn set(&mut self, name: &FieldName, raw: &str, label: Option<&str>) -> Result<Field> {
        let mut set = self.set_many([(name.clone(), raw, label)])?;
        set.pop()
            .ok_or_else(|| StoreError::damaged("no field was written").into())
    }

    /// Set many fields in one transaction: all are validated first, and either all land or none.
    pub fn set_many<'a>(
        &mut self,
        items: impl IntoIterator<Item = (FieldName, &'a str, Option<&'a str>)>,
    ) -> Result<Vec<Field>> {
        let today = self.rec.today();
        let items: Vec<_> = items.into_iter().collect();
        let country = self.address_country(&items, today)?;
        let mut checked = Vec::new();
        for (name, raw, label) in items {
            let value = Zeroizing::new(profile::normalize_value_in(
                &name,
                raw,
                today,
                country.as_deref(),
            )?);
            let label = label
                .map(profile::validate_label)
                .transpose()?
                .map(Zeroizing::new);
            checked.push((name, value, label));
        }
        let t = self.rec.now();
        let reader = |rec: &Records, id: &str| FieldRepo::new(rec).read_record(id);
        self.rec.write(|tx| {
            let mut out = Vec::with_capacity(checked.len());
            for (name, value, label) in checked {
                let canonical = name.to_string();
                let id = tx.lookup_id(FIELDS, &canonical);
                let label = match label {
                    Some(l) => Some(l),
                    None => reader(tx, &id)?
                        .and_then(|old| old.label.clone())
                        .map(Zeroizing::new),
                };
                let rec = FieldRecord {
                    name: canonical,
                    value: value.to_string(),
                    label: label.as_ref().map(|l| l.to_string()),
                };
                let sealed = tx.seal(FIELDS, &id, &rec)?;
                tx.conn().execute(
                    "INSERT INTO fields (id, sealed, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                    params![id, sealed, t],
                )?;
                tx.stamp(FIELDS, &id)?;
                tx.audit::<VaultError>(
                    &AuditEvent::new("field.set", name.to_string(), "")
                        .with("field", name.to_string()),
                )?;
                out.push(Field {
                    name,
                    value,
                    label,
                    updated_at: t,
                });
            }
            Ok::<_, VaultError>(out)
        })
    }

    /// The country whose address rules apply to a batch (`KR` selects the Korean ones): the
    /// `address.country` the batch sets, else the stored one. Only looked up when the batch
    /// writes an address part; parts stored earlier are not re-checked.
    fn address_country(
        &self,
        items: &[(FieldName, &str, Option<&str>)],
        today: jiff::civil::Date,
    ) -> Result<Option<String>> {
        let country = FieldName::Address(profile::AddressPart::Country);
        if let Some((_, raw, _)) = items.iter().find(|(n, ..)| *n == country) {
            // An invalid country is refused with its own message when its turn comes.
            return Ok(profile::normalize_value(&country, raw, today).ok());
        }
        if !items
            .iter()
            .any(|(n, ..)| matches!(n, FieldName::Address(_)))
        {
            return Ok(None);
        }
        Ok(self.get(&country)?.map(|f| f.value.to_string()))
    }

    /// Remove a field; `Ok(false)` if it was not set.
    pub fn remove(&mut self, name: &FieldName) -> Result<bool> {
        let id = self.rec.lookup_id(FIELDS, &name.to_string());
        let n = self.rec.write(|tx| {
            let n = tx
                .conn()
                .execute("DELETE FROM fields WHERE id = ?1", [&id])?;
            if n > 0 {
                tx.audit::<VaultError>(
                    &AuditEvent::new("field.removed", name.to_string(), "")
                        .with("field", name.to_string()),
                )?;
            }
            Ok::<_, VaultError>(n)
        })?;
        Ok(n > 0)
    }

    /// Write the profile export to a new file created with mode 0600; refuses an existing file.
    pub fn export_plaintext_to(&mut self, dest: &Path) -> Result<()> {
        use std::io::Write;
        let text = FieldRepo::new(&*self.rec).export_json()?;
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(dest).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                VaultError::AlreadyExists(dest.to_path_buf())
            } else {
                VaultError::Io {
                    path: dest.to_path_buf(),
                    source: e,
                }
            }
        })?;
        if let Err(e) = f.write_all(text.as_bytes()).and_then(|()| f.sync_all()) {
            // Never leave half an export behind.
            drop(f);
            let _ = fs::remove_file(dest);
            return Err(VaultError::Io {
                path: dest.to_path_buf(),
                source: e,
            });
        }
        self.rec.write(|tx| {
            tx.audit::<VaultError>(&AuditEvent::new(
                "profile.exported",
                "profile",
                "plaintext export to a file",
            ))
        })
    }
}
