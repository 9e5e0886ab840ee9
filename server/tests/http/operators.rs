//! `server operator add NAME` (issue 20, the contract's CLI): the built binary, a fresh SQLite database, the
//! password on standard input.

use std::io::Write;
use std::process::{Command, Stdio};

const PASSWORD: &str = "a long and unusual passphrase 42";

/// Runs the binary with `args`, `stdin` as its standard input and `DATABASE_URL=url`: (success, stdout, stderr).
fn run(args: &[&str], stdin: &str, url: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("PORTAL_ENV", "prod")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("password written");
    let out = child.wait_with_output().expect("finished");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn an_operator_is_added_from_the_command_line_once_with_a_strong_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/portal.db?mode=rwc", dir.path().display());
    let (ok, said, _) = run(&["operator", "add", "olivia"], &format!("{PASSWORD}\n"), &url);
    assert!(ok, "added: {said}");
    assert_eq!(said.trim(), "operator olivia added");
    let (ok, _, err) = run(&["operator", "add", "Olivia"], &format!("{PASSWORD}\n"), &url);
    assert!(!ok && err.contains("exists already"), "{err}");
    let (ok, _, err) = run(&["operator", "add", "oscar"], "short\n", &url);
    assert!(!ok && err.contains("15 characters"), "{err}");
    let (ok, _, err) = run(&["operator", "add"], "", &url);
    assert!(!ok && err.contains("usage: server operator add NAME"), "{err}");
}
