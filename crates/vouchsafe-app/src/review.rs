//! `review_list`: the core's review ([`vouchsafe::Review`]) as the Review screen shows it, and
//! `review_ad_consent`, the one action no other command performs (reconfirming or withdrawing
//! advertising consent). The other actions are the existing commands: `reissue_grant`,
//! `revoke_grant`, `erase_grant`, `revoke_brand`, `outbox_retry`.

use vouchsafe::review::{channels_without_ads, reconfirmed_channels};
use vouchsafe::{ReviewAction, ReviewItem, ReviewKind};

use crate::dto::{IssuedGrantDto, ReviewActionDto, ReviewItemDto, ReviewKindDto};
use crate::error::CmdResult;
use crate::state::AppState;

impl From<ReviewKind> for ReviewKindDto {
    fn from(k: ReviewKind) -> Self {
        match k {
            ReviewKind::ErasureOverdue => Self::ErasureOverdue,
            ReviewKind::PastRetention => Self::PastRetention,
            ReviewKind::Expiring => Self::Expiring,
            ReviewKind::OldAdConsent => Self::OldAdConsent,
            ReviewKind::LegacyChannels => Self::LegacyChannels,
            ReviewKind::RawValue => Self::RawValue,
            ReviewKind::SilentBrand => Self::SilentBrand,
        }
    }
}

impl From<&ReviewAction> for ReviewActionDto {
    fn from(a: &ReviewAction) -> Self {
        match a.clone() {
            ReviewAction::Reissue {
                grant,
                period_days,
                until,
            } => Self::Reissue {
                grant,
                period_days,
                until,
            },
            ReviewAction::Narrow {
                grant,
                replace,
                with,
            } => Self::Narrow {
                grant,
                replace,
                with,
            },
            ReviewAction::Reconfirm { grant } => Self::Reconfirm { grant },
            ReviewAction::StopAds { grant } => Self::StopAds { grant },
            ReviewAction::Restate { grant } => Self::Restate { grant },
            ReviewAction::Revoke { grant } => Self::Revoke { grant },
            ReviewAction::Erase { grant } => Self::Erase { grant },
            ReviewAction::Retry { event } => Self::Retry { event },
            ReviewAction::RevokeBrand { brand } => Self::RevokeBrand { brand },
        }
    }
}

impl From<&ReviewItem> for ReviewItemDto {
    fn from(i: &ReviewItem) -> Self {
        Self {
            kind: i.kind.into(),
            brand: i.brand.clone(),
            brand_name: i.brand_name.clone(),
            grant_id: i.grant.clone(),
            event_id: i.event.clone(),
            at: i.at,
            message: i.message.clone(),
            params: i.params.clone(),
            actions: i.actions.iter().map(ReviewActionDto::from).collect(),
        }
    }
}

/// Everything that deserves attention now, most important first.
pub fn review_list(state: &AppState) -> CmdResult<Vec<ReviewItemDto>> {
    let mut s = state.enter();
    Ok(s.vault()?
        .review()
        .items()?
        .iter()
        .map(ReviewItemDto::from)
        .collect())
}

/// Reconfirm (`keep`) or withdraw the advertising consents of an active grant: it is reissued
/// with the same channel choices dated now, or with every advertising channel refused and no
/// night-time advertising; the old grant is revoked. A connected brand is told in the same
/// transaction (`channel-consent-changed`, then the new grant), through the outbox. No network.
pub fn review_ad_consent(state: &AppState, id: &str, keep: bool) -> CmdResult<IssuedGrantDto> {
    let mut s = state.enter();
    let vault = s.vault()?;
    let grant = vault.grants().get(id)?;
    let now = vault.now();
    let channels = if keep {
        reconfirmed_channels(&grant.channels, now)?
    } else {
        channels_without_ads(&grant.channels, now)?
    };
    let issued = vault.grants_mut().change_channels(&grant.id, channels)?;
    let _ = vault.checkpoint();
    Ok(issued.into())
}
