//! A policy file's rules that disagree: two rules of the same specificity that decide the same
//! cell differently make the file contradictory, and it is refused at the later rule's line.

use super::{Rule, Selector};
use crate::error::Error;

fn overlap<T: PartialEq>(a: Option<&Vec<T>>, b: Option<&Vec<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.iter().any(|x| b.contains(x)),
        _ => true,
    }
}

/// Two rules of the same specificity that can decide the same cell (role, data, environment,
/// region, purpose) must agree: otherwise the file is contradictory.
pub(super) fn check(rules: &[Rule]) -> Result<(), Error> {
    for (j, later) in rules.iter().enumerate() {
        for earlier in &rules[..j] {
            let same_data = match (&earlier.selector, &later.selector) {
                (Selector::Classes(a), Selector::Classes(b)) => overlap(Some(a), Some(b)),
                (Selector::Sensitivities(a), Selector::Sensitivities(b)) => {
                    overlap(Some(a), Some(b))
                }
                _ => false,
            };
            let role = earlier.roles.iter().find(|r| later.roles.contains(r));
            if let Some(role) = role
                && same_data
                && earlier.disclosure != later.disclosure
                && overlap(earlier.environments.as_ref(), later.environments.as_ref())
                && overlap(earlier.regions.as_ref(), later.regions.as_ref())
                && overlap(earlier.purposes.as_ref(), later.purposes.as_ref())
            {
                return Err(Error::Policy {
                    line: later.line,
                    message: format!(
                        "contradicts the rule at line {}: role `{role}` would get both {} and {} \
                         for the same data",
                        earlier.line, earlier.disclosure, later.disclosure
                    ),
                });
            }
        }
    }
    Ok(())
}
