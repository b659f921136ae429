//! The `piiguard` binary, run as a user would.

use crate::common;

use common::{piiguard, text};

const LOG: &str = "\
2026-11-23T10:00:00Z INFO signup email=ada.sentinel@example.com ip=192.0.2.7
2026-11-23T10:00:01Z INFO order 12345 total 19.99 version 1.2.3
2026-11-23T10:00:02Z WARN card 4111 1111 1111 1111 declined, call +1-555-0142
";

const SCRUBBED: &str = "\
2026-11-23T10:00:00Z INFO signup email=[REDACTED:email] ip=[REDACTED:ip_address]
2026-11-23T10:00:01Z INFO order 12345 total 19.99 version 1.2.3
2026-11-23T10:00:02Z WARN card [REDACTED:card_number] declined, call [REDACTED:phone]
";

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("piiguard-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn stdin_to_stdout() {
    let out = piiguard(&["scrub"], LOG);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), SCRUBBED);
}

#[test]
fn files_in_order_to_stdout_or_to_a_file() {
    let dir = temp_dir("files");
    let (a, b, clean) = (dir.join("a.log"), dir.join("b.log"), dir.join("clean.log"));
    std::fs::write(&a, LOG).unwrap();
    std::fs::write(&b, "from b: iban DE89370400440532013000\n").unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());

    let out = piiguard(&["scrub", a, "-", b], "from stdin: 078-05-1120\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("{SCRUBBED}from stdin: [REDACTED:national_id]\nfrom b: iban [REDACTED:iban]\n")
    );

    let out = piiguard(&["scrub", "-o", clean.to_str().unwrap(), a], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&clean).unwrap(), SCRUBBED);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn in_place_rewrites_each_file_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("in-place");
    let log = dir.join("app.log");
    std::fs::write(&log, LOG).unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = piiguard(&["scrub", "--in-place", log.to_str().unwrap()], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), SCRUBBED);
    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    let entries = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(entries, 1, "the temporary file is gone");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn check_lists_positions_and_classes_never_values() {
    let out = piiguard(&["scrub", "--check"], LOG);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "<stdin>:1:40 email\n<stdin>:1:68 ip_address\n<stdin>:3:32 card_number\n\
         <stdin>:3:67 phone\n"
    );
    assert!(!text(&out.stdout).contains("ada.sentinel"));

    let clean = piiguard(&["scrub", "--check"], "order 12345 shipped\n");
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stdout.is_empty());
}

#[test]
fn bad_use_is_an_error_with_status_2() {
    let missing = piiguard(&["scrub", "/nonexistent/app.log"], "");
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).starts_with("piiguard: /nonexistent/"));

    let conflicting = piiguard(&["scrub", "--in-place", "--check", "x.log"], "");
    assert_eq!(conflicting.status.code(), Some(2));
    let no_files = piiguard(&["scrub", "--in-place"], "");
    assert_eq!(no_files.status.code(), Some(2));
}

#[test]
fn allow_lists_keep_their_entries_readable_and_bad_entries_are_errors() {
    let line =
        "from support@example.com to jane@example.com via 10.1.2.3 for 198.51.100.7 on 127.0.0.1\n";
    let out = piiguard(
        &[
            "scrub",
            "--allow",
            "email=support@example.com",
            "--allow-network",
            "10.0.0.0/8",
        ],
        line,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "from support@example.com to [REDACTED:email] via 10.1.2.3 for [REDACTED:ip_address] on 127.0.0.1\n"
    );
    let out = piiguard(&["scrub", "--mask-host-addresses"], "on 127.0.0.1\n");
    assert_eq!(text(&out.stdout), "on [REDACTED:ip_address]\n");

    for (args, message) in [
        (
            &["--allow", "support@example.com"][..],
            "--allow takes CLASS=VALUE",
        ),
        (
            &["--allow", "e-mail=support@example.com"][..],
            "no detector has this class",
        ),
        (&["--allow-network", "10.0.0.0/33"][..], "not an IP network"),
    ] {
        let mut all = vec!["scrub"];
        all.extend_from_slice(args);
        let out = piiguard(&all, line);
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains(message), "{err}");
        assert!(
            !err.contains("support@example.com"),
            "the value stays out: {err}"
        );
        assert!(out.stdout.is_empty());
    }
}
