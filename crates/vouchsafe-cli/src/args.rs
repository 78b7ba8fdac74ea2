//! Command-line grammar. The spellings here are an interface: tests and scripts rely on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use vouchsafe::KdfParams;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  other failure (I/O, storage)
  2  command-line usage error
  3  wrong passphrase
  4  vault file problem: missing, already exists, not a vault, newer format, busy
  5  integrity failure: a record or the file was altered or is damaged, or its key
     derivation parameters are below the minimum
  6  invalid input: a value failed validation
  7  not found: the field, brand or grant does not exist
  8  refused by the vault's state: brand exists, brand holds live grants,
     grant already revoked, the audit chain is broken, `check` found an
     integrity problem, the vault was rolled back (older than last seen on
     this machine) without --yes, or a restore would undo revocations
     without --yes

Passphrase: from VOUCHSAFE_PASSPHRASE, else --passphrase-file, else a prompt (no echo).
Vault: --vault, else VOUCHSAFE_VAULT, else the data directory (~/.local/share/vouchsafe/vault.db).";

#[derive(Parser, Debug)]
#[command(name = "vouchsafe", version, about = "Keep your profile encrypted on your own machine; share only what you choose.", after_help = EXIT_CODES)]
pub struct Cli {
    /// Vault file to use.
    #[arg(long, global = true, env = "VOUCHSAFE_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,
    /// Read the passphrase from the first line of FILE (VOUCHSAFE_PASSPHRASE wins if set).
    #[arg(long, global = true, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Accept a vault older than the one last seen here, or a restore that undoes revocations;
    /// for connect: send without asking.
    #[arg(long, global = true)]
    pub yes: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new vault (refuses to overwrite an existing one).
    Init {
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Read and change profile fields.
    Field {
        #[command(subcommand)]
        cmd: FieldCmd,
    },
    /// Change the passphrase (new one from VOUCHSAFE_NEW_PASSPHRASE or a prompt).
    Passwd {
        /// Read the new passphrase from the first line of FILE.
        #[arg(long, value_name = "FILE")]
        new_passphrase_file: Option<PathBuf>,
        #[command(flatten)]
        kdf: KdfArgs,
    },
    /// Export the whole profile as unencrypted JSON (needs --plaintext FILE).
    Export {
        /// Write the unencrypted profile to FILE (created with mode 0600).
        #[arg(long, value_name = "FILE")]
        plaintext: Option<PathBuf>,
    },
    /// Write an encrypted backup of the vault to FILE.
    Backup {
        file: PathBuf,
        /// Overwrite FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Brands you share with.
    Brand {
        #[command(subcommand)]
        cmd: BrandCmd,
    },
    /// Grants: what you released to whom, until when.
    Grant {
        #[command(subcommand)]
        cmd: GrantCmd,
    },
    /// Print a brand's current signed status list, to hand over or publish.
    StatusList {
        #[arg(long)]
        brand: String,
        /// Every list the brand's grants are on, as JSON (`[{"uri", "current", "token"}]`,
        /// the current one first): a restore moves new grants to a fresh list, and each list
        /// is published at its own URI.
        #[arg(long)]
        all: bool,
    },
    /// The audit log of every change, share and revocation.
    Audit {
        #[command(subcommand)]
        cmd: Option<AuditCmd>,
        #[arg(long)]
        json: bool,
    },
    /// Check every record, the integrity anchor and the audit log; names each problem.
    Check,
    /// Answer a brand's request: show what it asks and why, ask, then deliver the grant.
    ///
    /// LINK is a vouchsafe://connect?request_uri=… link, the request URI, or a file holding the
    /// request.
    Connect {
        link: String,
        /// Optional claims to send (ids or paths, comma-separated; `all`). Without this,
        /// optional claims stay in your vault.
        #[arg(long, value_delimiter = ',')]
        accept: Vec<String>,
        /// Optional claims to keep (wins over --accept).
        #[arg(long, value_delimiter = ',')]
        decline: Vec<String>,
        /// Claims to answer with the suggested derived fact (birthday without the year instead
        /// of the birth date, the city instead of the full address).
        #[arg(long, value_delimiter = ',')]
        derived: Vec<String>,
        /// Advertising channels you allow (e.g. sms; `all`); informational ones are allowed.
        #[arg(long, value_delimiter = ',')]
        allow_ads: Vec<String>,
        /// Advertising at night (21:00-08:00) too: yes needs some advertising allowed.
        #[arg(long, value_name = "yes|no", default_value = "no")]
        night_ads: String,
        #[arg(long)]
        json: bool,
    },
    /// Events for connected brands (revocations, updates, erasure requests) and their state.
    Outbox {
        #[command(subcommand)]
        cmd: Option<OutboxCmd>,
        #[arg(long)]
        json: bool,
    },
    /// What deserves attention now, most important first, with the command that settles each.
    ///
    /// Overdue erasures, retention past its end, grants expiring soon, advertising consent due
    /// for reconfirmation, raw values where a derived fact would do, silent brands. Sentences follow the locale (LC_ALL,
    /// LC_MESSAGES, LANG: Korean or English); --json is the same in every locale.
    Review {
        /// Print the items as JSON (docs/review.md), the same in every locale.
        #[arg(long)]
        json: bool,
    },
    /// Restore the vault from an encrypted backup (asks for the backup's passphrase).
    Restore {
        file: PathBuf,
        /// Replace an existing vault: needs its passphrase too, and keeps it as a dated copy.
        #[arg(long)]
        force: bool,
        /// Read the backup's passphrase from the first line of FILE (else
        /// VOUCHSAFE_BACKUP_PASSPHRASE, else the vault's own passphrase).
        #[arg(long, value_name = "FILE")]
        backup_passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BrandCmd {
    /// Add a brand; ID is its audience identifier (short id or https URL) and becomes `aud`.
    Add {
        id: String,
        /// The brand's name as you know it.
        #[arg(long)]
        name: String,
        /// The brand's website (https).
        #[arg(long)]
        url: Option<String>,
        /// Your own notes about this brand (kept encrypted).
        #[arg(long)]
        notes: Option<String>,
        /// Where you will publish this brand's status list (https); else a urn:uuid: is used.
        #[arg(long, value_name = "URL")]
        status_url: Option<String>,
    },
    /// List brands.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show a brand: what it holds right now and its grants.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Save a printable report (HTML) of what a brand holds and why, with its receipts
    ///
    /// What the brand holds now, since when and for what, every grant with its consent
    /// receipt, the brand's receipts and erasure receipts. It names the items shared, never
    /// their values.
    Report {
        id: String,
        /// The file to write (new; an existing file is refused). Private to you (mode 0600).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
        /// The report's language; default: your locale's (LC_ALL, LC_MESSAGES, LANG).
        #[arg(long, value_parser = ["ko", "en"])]
        lang: Option<String>,
    },
    /// Remove a brand and its key (refused while it holds live grants unless --revoke).
    Rm {
        id: String,
        /// Revoke its live grants first; prints the final status list to hand over.
        #[arg(long)]
        revoke: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum GrantCmd {
    /// Issue a grant; prints the token alone (with --json: id, token, receipt, summary).
    Issue {
        #[arg(long)]
        brand: String,
        /// Fields to release, comma-separated (e.g. email,given_name,address.locality; `address` = every address part you set).
        #[arg(long, value_delimiter = ',', default_value = "")]
        fields: Vec<String>,
        /// Derived facts instead of raw values: age_over:NN (full age), adult_kr (Korean year-of-birth rule), birthday (no year), city.
        #[arg(long, value_delimiter = ',')]
        derive: Vec<String>,
        /// Why the brand gets this, in your words.
        #[arg(long)]
        purpose: Option<String>,
        /// W3C DPV purpose (e.g. ServicePersonalisation, DirectMarketing).
        #[arg(long, value_name = "DPV-ID")]
        purpose_category: Option<String>,
        /// Channel consent: CHANNEL:KIND is a yes, a leading '-' a no, e.g. email:info,email:ad,kakao:info,-sms:ad (channels email sms phone kakao push post custom.NAME; kinds info ad; a bare email means email:info).
        #[arg(long, allow_hyphen_values = true)]
        channels: Option<String>,
        /// Advertising at night (21:00-08:00): yes needs some advertising allowed.
        #[arg(long, value_name = "yes|no", default_value = "no")]
        night_ads: String,
        /// What the brand offers in return.
        #[arg(long)]
        offer: Option<String>,
        /// 30d, 12h, 2w, or a last day such as 2027-03-01.
        #[arg(long, default_value = "30d")]
        expires: String,
        /// Show exactly what the brand would receive, and issue nothing.
        #[arg(long)]
        preview: bool,
        #[arg(long)]
        json: bool,
    },
    /// List grants (active, expired, revoked) with what each released.
    List {
        #[arg(long)]
        brand: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one grant (id or a unique prefix of 8+ characters).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Revoke one grant, or all of a brand's with --brand ID --all.
    Revoke {
        #[arg(required_unless_present = "brand")]
        id: Option<String>,
        #[arg(long, requires = "all", conflicts_with = "id")]
        brand: Option<String>,
        #[arg(long, requires = "brand")]
        all: bool,
    },
    /// Revoke a grant and ask its brand to erase what it received; keeps the brand's receipt.
    ///
    /// Only for brands connected with `vouchsafe connect` (they have an inbox to ask).
    Erase { id: String },
    /// Replace an active grant with one carrying today's values (after you changed a field);
    /// the old grant is revoked.
    Reissue {
        id: String,
        /// Give it for another period: 30d, 12h, 2w, or a last day such as 2027-03-01
        /// (default: the old grant's end).
        #[arg(long)]
        expires: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change a grant's channel consent: reissued with the new choices, the old one revoked;
    /// a connected brand is told through its inbox.
    ///
    /// The choices replace the old ones whole and are dated now (restating an advertising
    /// consent reconfirms it).
    Channels {
        id: String,
        /// The new channel consent, as for `grant issue` (e.g. email:info,kakao:ad,-sms:ad).
        #[arg(long, allow_hyphen_values = true)]
        channels: String,
        /// Advertising at night (21:00-08:00): yes needs some advertising allowed.
        #[arg(long, value_name = "yes|no", default_value = "no")]
        night_ads: String,
        #[arg(long)]
        json: bool,
    },
    /// Release less under a grant: a raw value replaced by a fact derived from it, or items
    /// dropped; reissued (same purpose, channels and end), the old one revoked.
    ///
    /// A connected brand gets the narrowed grant through its inbox and replaces what it holds,
    /// so the raw value goes with the old claims.
    Narrow {
        id: String,
        /// FIELD=FACT: stop releasing FIELD, release FACT instead (birthdate=adult_kr,
        /// birthdate=age_over:19, birthdate=birthday, address=city; `address` = every address
        /// part the grant releases). Repeat or comma-separate.
        #[arg(long, value_delimiter = ',', value_name = "FIELD=FACT")]
        replace: Vec<String>,
        /// Stop releasing these fields or derived facts, with nothing in their place
        /// (comma-separated; the grant keeps the rest).
        #[arg(long, value_delimiter = ',', value_name = "NAME")]
        drop: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Print the grant's signed consent receipt (JWT; --json for its decoded claims).
    Receipt {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum OutboxCmd {
    /// Try every waiting event now, and fetch the receipts not yet received.
    Retry {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the whole hash chain; names the first broken entry.
    Verify,
}

#[derive(Subcommand, Debug)]
pub enum FieldCmd {
    /// Set a field: e.g. `field set phone_number 010-1234-5678`, `field set address.locality 마포구`,
    /// `field set custom.blood_type A --label "혈액형"`.
    Set {
        name: String,
        value: String,
        /// Your own label for the field.
        #[arg(long)]
        label: Option<String>,
    },
    /// Print one field's value.
    Get {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// List every field.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Remove a field.
    Rm { name: String },
}

/// Argon2id cost; defaults keep what the vault has (or the built-in default for `init`).
#[derive(Args, Debug)]
pub struct KdfArgs {
    /// Argon2id memory in MiB (minimum 64).
    #[arg(long, value_name = "MIB")]
    pub kdf_memory_mib: Option<u32>,
    /// Argon2id passes (minimum 3).
    #[arg(long, value_name = "N")]
    pub kdf_iterations: Option<u32>,
    /// Argon2id lanes.
    #[arg(long, value_name = "N")]
    pub kdf_lanes: Option<u32>,
}

impl KdfArgs {
    pub fn params(&self, base: KdfParams) -> KdfParams {
        KdfParams {
            m_kib: self
                .kdf_memory_mib
                .map_or(base.m_kib, |m| m.saturating_mul(1024)),
            t: self.kdf_iterations.unwrap_or(base.t),
            p: self.kdf_lanes.unwrap_or(base.p),
        }
    }
}
