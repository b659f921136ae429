//! Running the built `piiguard` binary as a user would, for every CLI test.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `piiguard args…` with `stdin` as its standard input, outside any configured
/// environment (no passphrase, no `PIIGUARD_ENV`).
pub(crate) fn piiguard(args: &[&str], stdin: &str) -> Output {
    piiguard_with(args, stdin, &[])
}

/// The same with these environment variables set.
#[allow(dead_code)] // not every suite sets any
pub(crate) fn piiguard_with(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_piiguard"))
        .args(args)
        .env_remove("PIIGUARD_KEK_PASSPHRASE")
        .env_remove("PIIGUARD_ENV")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // A program that stops at a bad argument exits without reading its input.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// Output as text.
pub(crate) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}
