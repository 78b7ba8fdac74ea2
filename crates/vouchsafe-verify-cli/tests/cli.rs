//! The `vouchsafe-verify` binary: output formats, stdin handling and one exit code per class.

#[allow(dead_code)]
// The library's test helpers (keys, token builders), shared rather than copied.
#[path = "../../vouchsafe-verify/tests/common/mod.rs"]
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
    let output = run(
        &[
            &token,
            "--audience",
            BRAND,
            "--no-status-check",
            "--at",
            &now,
        ],
        None,
    )?;
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
    let tail = ["--audience", BRAND, "--no-status-check", "--at", &now];
    for args in [tail.to_vec(), [&["-"][..], &tail].concat()] {
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

    let output = run(
        &[
            &token,
            "--audience",
            BRAND,
            "--no-status-check",
            "--at",
            &now,
            "--json",
        ],
        None,
    )?;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout_json(&output)?,
        json!({"valid": true, "claims": claims(&key), "status": "not_checked", "stale": false})
    );

    let late = (NOW + 2 * LIFETIME).to_string();
    let output = run(
        &[
            &token,
            "--audience",
            BRAND,
            "--no-status-check",
            "--at",
            &late,
            "--json",
        ],
        None,
    )?;
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
        &[
            &token,
            "--audience",
            BRAND,
            "--status-list",
            &path,
            "--at",
            &now,
            "--json",
        ],
        None,
    )?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout_json(&output)?.get("status"), Some(&json!("valid")));

    let output = run(
        &[
            &token,
            "--audience",
            BRAND,
            "--status-list",
            "-",
            "--at",
            &now,
            "--json",
        ],
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
        &[
            &token,
            "--audience",
            "https://other.example",
            "--no-status-check",
            "--at",
            &now,
        ],
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
        // Every case names its audience and status policy, as the verifier now requires.
        if !args.contains(&"--audience") {
            args.extend(["--audience", BRAND]);
        }
        if !args.contains(&"--status-list") {
            args.push("--no-status-check");
        }
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
    // A payload that is not a JSON object is "malformed", but is only read once the header
    // passed and the signature verified, so it needs a real grant header and signature.
    let key = key("consumer");
    let null_payload = forge_raw(&grant_header(&key)?, b"null", &key)?;
    let inputs: [(&[u8], i32); 10] = [
        (b"", 3),
        (b".", 3),
        (b"..", 3),
        (b"....", 3),
        (b"\0\x01", 3),
        ("é.é.é".as_bytes(), 3),
        (b"\xff\xfe.\x80.\xc0", 3),
        (null_payload.as_bytes(), 3),
        // The same payload under a header without typ fails the header check first.
        (b"eyJhbGciOiJFZERTQSJ9.bnVsbA.AA", 4),
        // `{}.{}.` is well-formed but has no alg.
        (b"e30.e30.", 4),
    ];
    for (input, code) in inputs {
        let output = run_bytes(
            &["--audience", BRAND, "--no-status-check", "--at", &now],
            Some(input),
        )?;
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

// --- safe defaults, stale lists and --batch -------------------------------------------------

#[test]
fn audience_is_required() -> TestResult {
    let token = grant(&key("consumer"))?;
    let now = at_now();
    let output = run(&[&token, "--no-status-check", "--at", &now], None)?;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("--audience"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
    Ok(())
}

#[test]
fn revocation_must_be_checked_or_explicitly_waived() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    let now = at_now();
    let output = run(&[&token, "--audience", BRAND, "--at", &now, "--json"], None)?;
    assert_eq!(output.status.code(), Some(10));
    assert!(
        output.stdout.is_empty(),
        "nothing verified, nothing printed"
    );
    assert_eq!(
        stderr(&output),
        "vouchsafe-verify: status: no --status-list given; pass the consumer's current status list, or --no-status-check to accept a grant whose revocation is unknown\n"
    );
    let list = tempfile::NamedTempFile::new()?;
    std::fs::write(list.path(), status_list(&key, 1024, &[], NOW + 600)?)?;
    let path = list.path().to_str().ok_or("path")?;
    let both = run(
        &[
            &token,
            "--audience",
            BRAND,
            "--status-list",
            path,
            "--no-status-check",
        ],
        None,
    )?;
    assert_eq!(
        both.status.code(),
        Some(2),
        "the two flags contradict each other"
    );
    let help = String::from_utf8_lossy(&run(&["--help"], None)?.stdout).into_owned();
    assert!(help.contains(" 10  revocation not checked"), "{help}");
    assert!(help.contains(" 11  --batch"), "{help}");
    Ok(())
}

#[test]
fn stale_list_is_reported_in_json_and_on_stderr() -> TestResult {
    let key = key("consumer");
    let token = grant(&key)?;
    // Fixture list: iat = NOW - 60, ttl = 300, exp = NOW + 600.
    let list = tempfile::NamedTempFile::new()?;
    std::fs::write(list.path(), status_list(&key, 1024, &[], NOW + 600)?)?;
    let path = list.path().to_str().ok_or("path")?;
    let run_at = |now: i64| {
        run(
            &[
                &token,
                "--audience",
                BRAND,
                "--status-list",
                path,
                "--at",
                &now.to_string(),
                "--json",
            ],
            None,
        )
    };
    let fresh = run_at(NOW)?;
    assert_eq!(fresh.status.code(), Some(0));
    let value = stdout_json(&fresh)?;
    assert_eq!(
        (value["status"].clone(), value["stale"].clone()),
        (json!("valid"), json!(false))
    );
    assert!(fresh.stderr.is_empty());

    let stale = run_at(NOW + 300)?;
    assert_eq!(stale.status.code(), Some(0), "a stale list still answers");
    let value = stdout_json(&stale)?;
    assert_eq!(
        (value["status"].clone(), value["stale"].clone()),
        (json!("valid_stale"), json!(true))
    );
    assert!(
        stderr(&stale).contains("fetch a fresh one"),
        "{}",
        stderr(&stale)
    );

    assert_eq!(
        run_at(NOW + 700)?.status.code(),
        Some(9),
        "exp stays enforced"
    );
    Ok(())
}

#[test]
fn batch_prints_one_result_per_line_in_order() -> TestResult {
    let key = key("consumer");
    let good = grant(&key)?;
    let expired = sign(&key, &with(claims(&key), json!({"exp": NOW - 1000})))?;
    let list = tempfile::NamedTempFile::new()?;
    std::fs::write(list.path(), status_list(&key, 1024, &[], NOW + 600)?)?;
    let path = list.path().to_str().ok_or("path")?;
    let now = at_now();
    let args = [
        "--batch",
        "--audience",
        BRAND,
        "--status-list",
        path,
        "--at",
        &now,
    ];

    let input = format!("{good}\n\n  {expired}  \nnot-a-token\n{good}\n");
    let output = run(&args, Some(&input))?;
    assert_eq!(output.status.code(), Some(11), "{}", stderr(&output));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    assert_eq!(lines.len(), 4, "blank lines are skipped");
    assert_eq!(
        lines[0],
        json!({"line": 1, "valid": true, "claims": claims(&key), "status": "valid", "stale": false})
    );
    assert_eq!(
        (lines[1]["line"].clone(), lines[1]["class"].clone()),
        (json!(3), json!("time"))
    );
    assert_eq!(
        (lines[2]["line"].clone(), lines[2]["class"].clone()),
        (json!(4), json!("malformed"))
    );
    assert_eq!(
        (lines[3]["line"].clone(), lines[3]["valid"].clone()),
        (json!(5), json!(true))
    );

    let all_good = run(&args, Some(&format!("{good}\n{good}")))?;
    assert_eq!(all_good.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&all_good.stdout).lines().count(), 2);

    // Tokens and the list cannot both come from stdin, and a TOKEN argument makes no sense.
    let clash = run(
        &[
            "--batch",
            "--audience",
            BRAND,
            "--status-list",
            "-",
            "--at",
            &now,
        ],
        Some(&good),
    )?;
    assert_eq!(clash.status.code(), Some(1));
    let with_token = run(
        &[&good, "--batch", "--audience", BRAND, "--no-status-check"],
        Some(&good),
    )?;
    assert_eq!(with_token.status.code(), Some(2));
    Ok(())
}
