//! `vouchsafe-verify`: check a Vouchsafe grant from the command line or a script.
//!
//! Thin shell around [`vouchsafe_verify::verify_grant`] and [`vouchsafe_verify::verify_grants`]:
//! reads the token (or, with `--batch`, one token per line) and the status list token, prints
//! the verified claims, and reports failures as one line on stderr plus an exit code per
//! failure class so scripts can branch without parsing text.
//!
//! Safe by default: `--audience` is required, and revocation is checked unless the caller says
//! `--no-status-check` in so many words.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::{Value, json};
use vouchsafe_verify::{
    IssuerPolicy, StatusPolicy, VerifiedGrant, VerifyError, VerifyOptions, verify_grant,
    verify_grants,
};

/// Largest token or status list accepted on input. Real grants are a few KiB and a status list
/// of a million one-bit entries stays well under 1 MiB; the cap keeps a mistaken
/// `vouchsafe-verify < /dev/zero` from eating memory.
const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// Exit code for I/O problems and unusable file arguments.
const EXIT_IO: u8 = 1;
/// Exit code when neither `--status-list` nor `--no-status-check` was given.
const EXIT_NO_STATUS_POLICY: u8 = 10;
/// Exit code of `--batch` when at least one token is not valid.
const EXIT_BATCH_INVALID: u8 = 11;

const EXIT_CODES: &str = "\
Exit codes:
  0  valid grant
  1  I/O or file usage error (unreadable file, both inputs on stdin, input too large)
  2  command-line usage error
  3  malformed token (not three base64url parts of JSON objects)
  4  header policy violated (alg, typ, crit, jwk, kid)
  5  bad signature
  6  claims invalid (iss, sub, aud, exp/nbf/iat types, jti)
  7  expired or not yet valid (60 s leeway)
  8  revoked by the status list
  9  status list unusable (malformed, wrong signer, sub/uri mismatch, expired,
     index out of range, grant lacks a status claim)
 10  revocation not checked: give --status-list FILE, or --no-status-check to
     accept a grant whose revocation is unknown
 11  --batch: at least one token is not valid (each output line says which check)

A status list past its ttl but before its exp still counts: the result says
\"status\": \"valid_stale\" (and \"stale\": true with --json or --batch), and a
warning goes to stderr; fetch a fresh list.";

/// Verify a Vouchsafe grant (EdDSA-signed JWT) offline.
///
/// On success prints the grant's claims as JSON. Checks follow RFC 8725: structure, header
/// policy, Ed25519 signature with the header key, claims (iss is the key's thumbprint URN,
/// aud, exp, nbf, jti), then revocation against --status-list (required unless
/// --no-status-check).
#[derive(Debug, Parser)]
#[command(name = "vouchsafe-verify", version, after_help = EXIT_CODES)]
struct Cli {
    /// The grant as a compact JWS; omit or use "-" to read it from stdin (preferred: command
    /// lines are visible to other users).
    #[arg(value_name = "TOKEN", conflicts_with = "batch")]
    token: Option<String>,

    /// Require this audience in `aud` (your brand identifier).
    #[arg(long, value_name = "ID")]
    audience: String,

    /// Require this issuer (the consumer's urn:ietf:params:oauth:jwk-thumbprint:sha-256:… URN).
    #[arg(long, value_name = "ISS")]
    issuer: Option<String>,

    /// Check revocation against this status list token file ("-" for stdin).
    #[arg(long = "status-list", value_name = "FILE|-")]
    status_list: Option<PathBuf>,

    /// Do not check revocation: accept a grant the consumer may have revoked.
    #[arg(long = "no-status-check", conflicts_with = "status_list")]
    no_status_check: bool,

    /// Read one token per line on stdin and print one JSON result per line, in order
    /// (blank lines are skipped; each result names its input `line`).
    #[arg(long)]
    batch: bool,

    /// Verify as of this time (seconds since the Unix epoch) instead of now.
    #[arg(long, value_name = "UNIX-TIME", allow_negative_numbers = true)]
    at: Option<i64>,

    /// Print a JSON result object on stdout, also on failure.
    #[arg(long)]
    json: bool,
}

/// A failure before verification could start.
#[derive(Debug, thiserror::Error)]
enum InputError {
    #[error("input: token and status list cannot both be read from stdin")]
    BothFromStdin,
    #[error("input: cannot read {what}: {source}")]
    Read { what: String, source: io::Error },
    #[error("input: {what} exceeds {MAX_INPUT_BYTES} bytes")]
    TooLarge { what: String },
    #[error("clock: system time is before the Unix epoch or out of range; pass --at")]
    Clock,
}

const NO_STATUS_POLICY: &str = "status: no --status-list given; pass the consumer's current status list, or --no-status-check to accept a grant whose revocation is unknown";

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Prints help/version (exit 0) or the usage error (exit 2) the clap way.
        Err(err) => err.exit(),
    };
    if cli.status_list.is_none() && !cli.no_status_check {
        let _ = writeln!(io::stderr().lock(), "vouchsafe-verify: {NO_STATUS_POLICY}");
        return ExitCode::from(EXIT_NO_STATUS_POLICY);
    }
    if cli.batch {
        return run_batch(&cli);
    }
    let outcome = run(&cli);
    let json = cli.json;
    let (code, stdout, stderr) = match outcome {
        Ok(grant) => (
            0,
            Some(success_output(&grant, json)),
            grant.status().is_stale().then(|| STALE_WARNING.to_owned()),
        ),
        Err(Failure::Input(err)) => (
            EXIT_IO,
            json.then(|| failure_json("io", &err.to_string())),
            Some(err.to_string()),
        ),
        Err(Failure::Verify(err)) => (
            err.exit_code(),
            json.then(|| failure_json(err.class(), &err.to_string())),
            Some(err.to_string()),
        ),
    };
    if let Some(line) = stderr {
        // Nothing sensible is left to do if stderr itself is gone.
        let _ = writeln!(io::stderr().lock(), "vouchsafe-verify: {line}");
    }
    if let Some(text) = stdout
        && writeln!(io::stdout().lock(), "{text}").is_err()
        && code == 0
    {
        return ExitCode::from(EXIT_IO);
    }
    ExitCode::from(code)
}

enum Failure {
    Input(InputError),
    Verify(VerifyError),
}

/// Printed on stderr when the status list is past its `ttl`.
const STALE_WARNING: &str =
    "warning: the status list is past its ttl (still before its exp); fetch a fresh one";

fn run(cli: &Cli) -> Result<VerifiedGrant, Failure> {
    let token_from_stdin = cli.token.as_deref().is_none_or(|t| t == "-");
    let list_from_stdin = cli.status_list.as_deref().is_some_and(is_stdin);
    if token_from_stdin && list_from_stdin {
        return Err(Failure::Input(InputError::BothFromStdin));
    }

    let token = match cli.token.as_deref() {
        Some(token) if token != "-" => token.trim().to_owned(),
        _ => read_input(None, "token from stdin").map_err(Failure::Input)?,
    };
    let opts = options(cli).map_err(Failure::Input)?;
    verify_grant(&token, &opts).map_err(Failure::Verify)
}

/// The verification options the flags ask for; reads the status list file.
fn options(cli: &Cli) -> Result<VerifyOptions, InputError> {
    let status = match &cli.status_list {
        None => StatusPolicy::Waived,
        Some(path) => StatusPolicy::List(read_input(
            Some(path),
            &format!("status list {}", path.display()),
        )?),
    };
    let now = match cli.at {
        Some(at) => at,
        None => unix_now()?,
    };
    Ok(VerifyOptions {
        audience: cli.audience.clone(),
        issuer: cli
            .issuer
            .clone()
            .map_or(IssuerPolicy::AnyConsumer, IssuerPolicy::Pinned),
        status,
        now,
    })
}

/// `--batch`: one result line per non-blank input line, in order.
fn run_batch(cli: &Cli) -> ExitCode {
    let fail = |err: InputError| {
        let _ = writeln!(io::stderr().lock(), "vouchsafe-verify: {err}");
        ExitCode::from(EXIT_IO)
    };
    if cli.status_list.as_deref().is_some_and(is_stdin) {
        return fail(InputError::BothFromStdin);
    }
    let opts = match options(cli) {
        Ok(opts) => opts,
        Err(err) => return fail(err),
    };
    let input = match read_bytes(None, "tokens from stdin") {
        Ok(bytes) => bytes,
        Err(err) => return fail(err),
    };
    // Invalid UTF-8 is replaced rather than refused, as for a single token: it can never form
    // a valid token, and the result line then reports it malformed.
    let lines: Vec<(usize, String)> = input
        .split(|&b| b == b'\n')
        .enumerate()
        .filter_map(|(i, line)| {
            let line = String::from_utf8_lossy(line);
            let token = line.trim();
            (!token.is_empty()).then(|| (i + 1, token.to_owned()))
        })
        .collect();
    let tokens: Vec<&str> = lines.iter().map(|(_, token)| token.as_str()).collect();
    let results = verify_grants(&tokens, &opts);
    let mut all_valid = true;
    let mut out = io::stdout().lock();
    for ((line, _), result) in lines.iter().zip(results) {
        let value = match result {
            Ok(grant) => success_json(&grant),
            Err(err) => {
                all_valid = false;
                failure_value(err.class(), &err.to_string())
            }
        };
        let mut value = value;
        if let Value::Object(map) = &mut value {
            map.insert("line".to_owned(), json!(line));
        }
        if writeln!(out, "{value}").is_err() {
            return ExitCode::from(EXIT_IO);
        }
    }
    ExitCode::from(if all_valid { 0 } else { EXIT_BATCH_INVALID })
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads a whole input (a file, or stdin for `None`/`-`), capped at [`MAX_INPUT_BYTES`], and
/// trims surrounding whitespace such as the newline `echo` adds. Invalid UTF-8 is replaced
/// rather than refused: it can never form a valid token, and the verifier then reports the
/// malformed token with its proper exit code.
fn read_input(path: Option<&Path>, what: &str) -> Result<String, InputError> {
    let bytes = read_bytes(path, what)?;
    Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
}

/// Reads a whole input (a file, or stdin for `None`/`-`), capped at [`MAX_INPUT_BYTES`].
fn read_bytes(path: Option<&Path>, what: &str) -> Result<Vec<u8>, InputError> {
    let read_err = |source| InputError::Read {
        what: what.to_owned(),
        source,
    };
    let mut bytes = Vec::new();
    match path.filter(|p| !is_stdin(p)) {
        None => io::stdin()
            .lock()
            .take(MAX_INPUT_BYTES + 1)
            .read_to_end(&mut bytes),
        Some(path) => {
            File::open(path).and_then(|file| file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        }
    }
    .map_err(read_err)?;
    if u64::try_from(bytes.len()).map_or(true, |n| n > MAX_INPUT_BYTES) {
        return Err(InputError::TooLarge {
            what: what.to_owned(),
        });
    }
    Ok(bytes)
}

fn unix_now() -> Result<i64, InputError> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| InputError::Clock)?;
    i64::try_from(since.as_secs()).map_err(|_| InputError::Clock)
}

fn success_output(grant: &VerifiedGrant, json: bool) -> String {
    if json {
        // One line, like the failure object, so scripts can read either the same way.
        success_json(grant).to_string()
    } else {
        let claims = Value::Object(grant.claims().clone());
        serde_json::to_string_pretty(&claims).unwrap_or_else(|_| claims.to_string())
    }
}

/// `{"valid":true,"claims":…,"status":…,"stale":…}`; `stale` tells a brand's code to fetch a
/// fresh status list.
fn success_json(grant: &VerifiedGrant) -> Value {
    json!({
        "valid": true,
        "claims": Value::Object(grant.claims().clone()),
        "status": grant.status().as_str(),
        "stale": grant.status().is_stale(),
    })
}

fn failure_json(class: &str, error: &str) -> String {
    failure_value(class, error).to_string()
}

fn failure_value(class: &str, error: &str) -> Value {
    json!({"valid": false, "class": class, "error": error})
}
