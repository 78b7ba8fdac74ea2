//! `vouchsafe-verify`: check a Vouchsafe grant from the command line or a script.
//!
//! Thin shell around [`vouchsafe_verify::verify_grant`]: reads the token (and optionally a
//! status list token), prints the verified claims, and reports failures as one line on stderr
//! plus an exit code per failure class so scripts can branch without parsing text.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Parser;
use serde_json::{Value, json};
use vouchsafe_verify::{VerifiedGrant, VerifyError, VerifyOptions, verify_grant};

/// Largest token or status list accepted on input. Real grants are a few KiB and a status list
/// of a million one-bit entries stays well under 1 MiB; the cap keeps a mistaken
/// `vouchsafe-verify < /dev/zero` from eating memory.
const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// Exit code for I/O problems and unusable file arguments.
const EXIT_IO: u8 = 1;

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
     index out of range, grant lacks a status claim)";

/// Verify a Vouchsafe grant (EdDSA-signed JWT) offline.
///
/// On success prints the grant's claims as JSON. Checks follow RFC 8725: structure, header
/// policy, Ed25519 signature with the header key, claims (iss is the key's thumbprint URN,
/// aud, exp, nbf, jti), then revocation if --status-list is given.
#[derive(Debug, Parser)]
#[command(name = "vouchsafe-verify", version, after_help = EXIT_CODES)]
struct Cli {
    /// The grant as a compact JWS; omit or use "-" to read it from stdin (preferred: command
    /// lines are visible to other users).
    #[arg(value_name = "TOKEN")]
    token: Option<String>,

    /// Require this audience in `aud` (your brand identifier).
    #[arg(long, value_name = "ID")]
    audience: Option<String>,

    /// Require this issuer (the consumer's urn:ietf:params:oauth:jwk-thumbprint:sha-256:… URN).
    #[arg(long, value_name = "ISS")]
    issuer: Option<String>,

    /// Check revocation against this status list token file ("-" for stdin).
    #[arg(long = "status-list", value_name = "FILE|-")]
    status_list: Option<PathBuf>,

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

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Prints help/version (exit 0) or the usage error (exit 2) the clap way.
        Err(err) => err.exit(),
    };
    let outcome = run(&cli);
    let json = cli.json;
    let (code, stdout, stderr) = match outcome {
        Ok(grant) => (0, Some(success_output(&grant, json)), None),
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
    let status_list_token = match &cli.status_list {
        None => None,
        Some(path) => Some(
            read_input(Some(path), &format!("status list {}", path.display()))
                .map_err(Failure::Input)?,
        ),
    };
    let now = match cli.at {
        Some(at) => at,
        None => unix_now().map_err(Failure::Input)?,
    };

    let opts = VerifyOptions {
        audience: cli.audience.clone(),
        issuer: cli.issuer.clone(),
        status_list_token,
        now,
    };
    verify_grant(&token, &opts).map_err(Failure::Verify)
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads a whole input (a file, or stdin for `None`/`-`), capped at [`MAX_INPUT_BYTES`], and
/// trims surrounding whitespace such as the newline `echo` adds. Invalid UTF-8 is replaced
/// rather than refused: it can never form a valid token, and the verifier then reports the
/// malformed token with its proper exit code.
fn read_input(path: Option<&Path>, what: &str) -> Result<String, InputError> {
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
    Ok(String::from_utf8_lossy(&bytes).trim().to_owned())
}

fn unix_now() -> Result<i64, InputError> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| InputError::Clock)?;
    i64::try_from(since.as_secs()).map_err(|_| InputError::Clock)
}

fn success_output(grant: &VerifiedGrant, json: bool) -> String {
    let claims = Value::Object(grant.claims().clone());
    if json {
        // One line, like the failure object, so scripts can read either the same way.
        json!({"valid": true, "claims": claims, "status": grant.status().as_str()}).to_string()
    } else {
        serde_json::to_string_pretty(&claims).unwrap_or_else(|_| claims.to_string())
    }
}

fn failure_json(class: &str, error: &str) -> String {
    json!({"valid": false, "class": class, "error": error}).to_string()
}
