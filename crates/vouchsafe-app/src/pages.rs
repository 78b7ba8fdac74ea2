//! `brand_page`, `brand_choices` and `field_page`: what the brands and share screens show, a
//! page at a time. A vault can hold hundreds of brands over thousands of grants and thousands of
//! fields; a screen asks for the page it shows (and a picker for the entries that match what
//! the person typed) instead of every brand with every grant counted, or every field.

use serde::Serialize;
use ts_rs::TS;
use vouchsafe::profile::{self, FieldName};
use vouchsafe::{Brand, Field};

use crate::commands::PAGE_MAX;
use crate::dto::{BrandDto, FieldDto};
use crate::error::CmdResult;
use crate::state::AppState;

/// One page of brands with what each holds (`brand_page`), sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrandPageDto {
    pub items: Vec<BrandDto>,
    /// How many brands match the query, on every page.
    pub total: u32,
    /// Where this page starts in the matching list.
    pub offset: u32,
}

/// A brand as a picker lists it: no counts, no keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrandChoiceDto {
    pub id: String,
    pub name: String,
    pub connected: bool,
}

/// The brands a picker offers (`brand_choices`), sorted by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BrandChoicesDto {
    pub items: Vec<BrandChoiceDto>,
    /// How many brands match the query (more than `items` when the limit cut the list).
    pub total: u32,
}

/// One page of profile fields (`field_page`), in the profile's order: the catalogue's fields
/// in catalogue order, then the others by group and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FieldPageDto {
    pub items: Vec<FieldDto>,
    /// How many fields match the query, on every page.
    pub total: u32,
    pub offset: u32,
    /// The derived facts the whole profile can give, whatever this page holds: `birthdate`
    /// set gives `age_over_18` and `birthday`; a locality, region or country gives `city`.
    pub derivable: Vec<String>,
}

fn count32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Brands matching `query` (name or id, ignoring case), `limit` (at most 500) from `offset`,
/// each with its grants counted: only the page's brands' grants are read.
pub fn brand_page(
    state: &AppState,
    query: &str,
    offset: u32,
    limit: u32,
) -> CmdResult<BrandPageDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let (brands, total) =
        vault
            .brands()
            .search(query, offset as usize, limit.min(PAGE_MAX) as usize)?;
    let items = brands
        .iter()
        .map(|b| {
            let c = vault.grants().brand_counts(&b.id)?;
            Ok(BrandDto {
                id: b.id.clone(),
                name: b.name.clone(),
                url: b.url.clone(),
                issuer: b.issuer.clone(),
                status_list_uri: b.status_list_uri.clone(),
                created_at: b.created_at,
                holds: c.holds,
                live_grants: count32(c.live),
                total_grants: count32(c.total),
                connected: b.events_uri.is_some(),
            })
        })
        .collect::<CmdResult<Vec<_>>>()?;
    Ok(BrandPageDto {
        items,
        total: count32(total),
        offset,
    })
}

impl From<&Brand> for BrandChoiceDto {
    fn from(b: &Brand) -> Self {
        Self {
            id: b.id.clone(),
            name: b.name.clone(),
            connected: b.events_uri.is_some(),
        }
    }
}

/// Up to `limit` (at most 500) brands matching `query`, for a picker: no grant is read.
pub fn brand_choices(state: &AppState, query: &str, limit: u32) -> CmdResult<BrandChoicesDto> {
    let mut s = state.enter();
    let (brands, total) = s
        .vault()?
        .brands()
        .search(query, 0, limit.min(PAGE_MAX) as usize)?;
    Ok(BrandChoicesDto {
        items: brands.iter().map(BrandChoiceDto::from).collect(),
        total: count32(total),
    })
}

/// Where a field sorts in the profile: catalogue fields by their place in the catalogue, the
/// others after them by group (the UI's `sortFields` does the same).
fn rank(name: &FieldName) -> (usize, usize) {
    let catalogue = profile::catalogue();
    match catalogue.iter().position(|s| &s.name == name) {
        Some(i) => (i, 0),
        None => (catalogue.len(), name.group() as usize),
    }
}

/// Whether `f` matches `q` (lower case): its name, its label, or the catalogue's description
/// of it in either language.
fn matches(f: &Field, q: &str) -> bool {
    if q.is_empty() {
        return true;
    }
    let name = f.name.to_string();
    name.to_lowercase().contains(q)
        || f.label
            .as_ref()
            .is_some_and(|l| l.to_lowercase().contains(q))
        || profile::catalogue()
            .iter()
            .find(|s| s.name == f.name)
            .is_some_and(|s| {
                s.description_en.to_lowercase().contains(q) || s.description_ko.contains(q)
            })
}

/// Fields matching `query` (name, label or catalogue description, ignoring case), in profile
/// order, `limit` (at most 500) from `offset`. Sends only the page's values to the window.
pub fn field_page(
    state: &AppState,
    query: &str,
    offset: u32,
    limit: u32,
) -> CmdResult<FieldPageDto> {
    let mut s = state.enter();
    let fields = s.vault()?.fields().list()?;
    let derivable = {
        let has = |n: &str| fields.iter().any(|f| f.name.to_string() == n);
        let mut d = Vec::new();
        if has("birthdate") {
            d.extend(["age_over_18".to_string(), "birthday".to_string()]);
        }
        if ["address.locality", "address.region", "address.country"]
            .iter()
            .any(|n| has(n))
        {
            d.push("city".to_string());
        }
        d
    };
    let q = query.trim().to_lowercase();
    let mut matching: Vec<(&Field, (usize, usize), String)> = fields
        .iter()
        .filter(|f| matches(f, &q))
        .map(|f| (f, rank(&f.name), f.name.to_string()))
        .collect();
    matching.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.2.cmp(&b.2)));
    let total = matching.len();
    let items = matching
        .into_iter()
        .skip(offset as usize)
        .take(limit.min(PAGE_MAX) as usize)
        .map(|(f, ..)| FieldDto::from(f))
        .collect();
    Ok(FieldPageDto {
        items,
        total: count32(total),
        offset,
        derivable,
    })
}
