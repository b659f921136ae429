//! Vault tokens across instances: one process tokenizes, another reads the tokens back and
//! reveals them; forgetting a subject on that instance removes its tokens from the shared
//! store.

use super::scenarios::{mailer, ops, spawn, succeed};
use super::target::{Target, open};
use piiguard::{Classified, Error, Pii};
use std::path::Path;

#[derive(Classified)]
#[pii(subject = id)]
pub(crate) struct Member {
    id: u64,
    #[pii(class = email, storage = tokenize)]
    email: Pii<String>,
}

fn email(id: u64) -> String {
    format!("member{id}.q8z@example.com")
}

/// A member whose address is stored as a vault token.
pub(crate) fn member(id: u64) -> Member {
    Member {
        id,
        email: Pii::new(email(id)),
    }
}

/// The helper: tokenizes `count` members and lists their rows in `tokens-<id>`.
pub(crate) fn tokenizer(dir: &Path, id: u64, count: u64) {
    let guard = open(dir);
    let mut rows = String::new();
    for n in 1..=count {
        let row = guard.storage().to_json(&member(n)).unwrap();
        assert!(row.contains("@tokens.invalid") && !row.contains("q8z"));
        rows.push_str(&row);
        rows.push('\n');
    }
    std::fs::write(dir.join(format!("tokens-{id}")), rows).unwrap();
}

pub(crate) fn tokens_made_on_one_instance_are_read_on_another_and_go_with_their_subject(
    t: &Target,
) {
    // The key set first, so that the helper and this instance share it.
    drop(t.guard());
    succeed(vec![spawn("tokenizer", t, 1, 5)]);
    let guard = t.guard();
    let rows = std::fs::read_to_string(t.dir().join("tokens-1")).unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    assert_eq!(rows.len(), 5);
    for (n, row) in (1..).zip(&rows) {
        let back: Member = guard.storage().from_json(row).unwrap();
        let shown = guard
            .reveal(&mailer(), &back, |m| &m.email, "send_receipt")
            .unwrap();
        assert_eq!(shown.expose(), &email(n));
    }
    guard.admin(&ops()).forget_subject(&3u64).unwrap();
    assert!(matches!(
        guard.storage().from_json::<Member>(rows[2]),
        Err(Error::Token { .. })
    ));
    assert!(
        guard.storage().from_json::<Member>(rows[3]).is_ok(),
        "others keep theirs"
    );
}
