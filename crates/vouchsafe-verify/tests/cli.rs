//! The `vouchsafe-verify` binary: output formats, stdin handling and one exit code per class.

#[allow(dead_code)]
mod common;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use common::*;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_vouchsafe-verify");

/// Runs the binary with `args`, feeding `stdin` if given.
fn run(args: &[&str], stdin: Option<&str>) -> Fallible<Output> {
    run_bytes(args, stdin.map(str::as_bytes))
}

fn run_bytes(args: &[&str], stdin: Option<&[u8]>) -> Fallible<Output> {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        match pipe.write_all(text) {
            // The binary may finish (a usage error, a token given as an argument) before it
            // reads its input; that is its exit code's business, not a test failure.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        }
    }
    Ok(child.wait_with_output()?)
}

fn at_now() -> String {
    NOW.to_string()
}

fn stdout_json(output: &Output) -> Fallible<Value> {
    Ok(serde_json::from_slice(&output.stdout)?)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn success_prints_the_claims_as_pretty_json() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let now = at_now();
    let output = run(&[&token, "--audience", BRAND, "--at", &now], None)?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout_json(&output)?, claims(&key));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("\n  \""),
        "not pretty-printed"
    );
    assert!(output.stderr.is_empty());
    Ok(())
}

#[test]
fn token_is_read_from_stdin_and_trimmed() -> TestResult {
    let key = key("consumer");
    let token = format!("  {}\n", grant(&key)?);
    let now = at_now();
    for args in [vec!["--at", &now], vec!["-", "--at", &now]] {
        let output = run(&args, Some(&token))?;
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout_json(&output)?, claims(&key));
    }
    Ok(())
}

#[test]
fn json_output_on_success_and_failure() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let now = at_now();

    let output = run(&[&token, "--at", &now, "--json"], None)?;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout_json(&output)?,
        json!({"valid": true, "claims": claims(&key), "status": "not_checked"})
    );

    let late = (NOW + 2 * LIFETIME).to_string();
    let output = run(&[&token, "--at", &late, "--json"], None)?;
    assert_eq!(output.status.code(), Some(7));
    let value = stdout_json(&output)?;
    assert_eq!(value.get("valid"), Some(&json!(false)));
    assert_eq!(value.get("class"), Some(&json!("time")));
    let error = value
        .get("error")
        .and_then(Value::as_str)
        .ok_or("no error")?;
    assert!(error.starts_with("time exp: "), "{error}");
    assert_eq!(stderr(&output), format!("vouchsafe-verify: {error}\n"));
    Ok(())
}

#[test]
fn status_list_from_file_and_from_stdin() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let list = status_list(&key, 1024, &[], NOW + 600)?;
    let mut file = tempfile::NamedTempFile::new()?;
    writeln!(file, "{list}")?;
    let path = file.path().to_str().ok_or("path")?.to_owned();
    let now = at_now();

    let output = run(
        &[&token, "--status-list", &path, "--at", &now, "--json"],
        None,
    )?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout_json(&output)?.get("status"), Some(&json!("valid")));

    let output = run(
        &[&token, "--status-list", "-", "--at", &now, "--json"],
        Some(&list),
    )?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout_json(&output)?.get("status"), Some(&json!("valid")));
    Ok(())
}

#[test]
fn failure_is_one_line_on_stderr_naming_the_check() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let now = at_now();
    let output = run(
        &[&token, "--audience", "https://other.example", "--at", &now],
        None,
    )?;
    assert_eq!(output.status.code(), Some(6));
    assert!(output.stdout.is_empty());
    let err = stderr(&output);
    assert!(err.starts_with("vouchsafe-verify: claim aud: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    Ok(())
}

#[test]
fn help_documents_exit_codes() -> TestResult {
    let output = run(&["--help"], None)?;
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "Exit codes:",
        "  8  revoked",
        "  9  status list",
        "--status-list <FILE|->",
    ] {
        assert!(help.contains(needle), "missing {needle:?} in\n{help}");
    }
    Ok(())
}

/// One invocation per exit-code class.
#[test]
fn each_failure_class_has_its_exit_code() -> TestResult {
    let key = key("consumer");
    let other = common::key("other");
    let token = grant(&key)?;
    let now = at_now();
    let late = (NOW + 2 * LIFETIME).to_string();

    let mut bad_sig = token.clone();
    bad_sig.truncate(token.len() - 4);
    bad_sig.push_str(if token.ends_with("AAAA") {
        "BBBA"
    } else {
        "AAAA"
    });

    let wrong_typ = forge(
        &with(grant_header(&key)?, json!({"typ": "JWT"})),
        &claims(&key),
        &key,
    )?;

    let dir = tempfile::tempdir()?;
    let write = |name: &str, text: &str| -> Fallible<String> {
        let path = dir.path().join(name);
        std::fs::write(&path, text)?;
        Ok(path.to_str().ok_or("path")?.to_owned())
    };
    let revoked = write("revoked.jwt", &status_list(&key, 1024, &[IDX], NOW + 600)?)?;
    let foreign = write("foreign.jwt", &status_list(&other, 1024, &[], NOW + 600)?)?;
    let missing = dir
        .path()
        .join("absent.jwt")
        .to_str()
        .ok_or("path")?
        .to_owned();

    let cases: Vec<(Vec<&str>, Option<&str>, i32, &str)> = vec![
        (vec![&missing, "--at", &now], None, 3, "malformed"),
        (
            vec![&token, "--status-list", &missing, "--at", &now],
            None,
            1,
            "io",
        ),
        (
            vec!["--status-list", "-", "--at", &now],
            Some(token.as_str()),
            1,
            "io",
        ),
        (vec![&token, "--bogus-flag"], None, 2, ""),
        (vec![&token, "--at", "yesterday"], None, 2, ""),
        (vec!["a.b", "--at", &now], None, 3, "malformed"),
        (vec![&wrong_typ, "--at", &now], None, 4, "header"),
        (vec![&bad_sig, "--at", &now], None, 5, "signature"),
        (
            vec![&token, "--audience", "x", "--at", &now],
            None,
            6,
            "claims",
        ),
        (vec![&token, "--at", &late], None, 7, "time"),
        (
            vec![&token, "--status-list", &revoked, "--at", &now],
            None,
            8,
            "revoked",
        ),
        (
            vec![&token, "--status-list", &foreign, "--at", &now],
            None,
            9,
            "status_list",
        ),
    ];
    for (mut args, stdin, code, class) in cases {
        let output = run(&args, stdin)?;
        assert_eq!(
            output.status.code(),
            Some(code),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(!output.stderr.is_empty(), "{args:?}: no message");
        if code != 2 {
            args.push("--json");
            let output = run(&args, stdin)?;
            assert_eq!(output.status.code(), Some(code), "{args:?}");
            let value = stdout_json(&output)?;
            assert_eq!(value.get("class"), Some(&json!(class)), "{args:?}");
            assert_eq!(value.get("valid"), Some(&json!(false)), "{args:?}");
        }
    }
    Ok(())
}

#[test]
fn garbage_input_never_crashes() -> TestResult {
    let now = at_now();
    let inputs: [(&[u8], i32); 9] = [
        (b"", 3),
        (b".", 3),
        (b"..", 3),
        (b"....", 3),
        (b"\0\x01", 3),
        ("é.é.é".as_bytes(), 3),
        (b"\xff\xfe.\x80.\xc0", 3),
        (b"eyJhbGciOiJFZERTQSJ9.bnVsbA.AA", 3),
        // `{}.{}.` is well-formed but has no alg.
        (b"e30.e30.", 4),
    ];
    for (input, code) in inputs {
        let output = run_bytes(&["--at", &now], Some(input))?;
        assert_eq!(
            output.status.code(),
            Some(code),
            "{input:?}: {}",
            stderr(&output)
        );
        assert_eq!(stderr(&output).lines().count(), 1, "{input:?}");
    }
    Ok(())
}
