use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = email, encrypted)]
    email: Pii<String>,
}

// The fallback impls emitted with the error keep these uses from cascading into more errors.
fn uses(c: &Customer) -> String {
    let _ = Customer::SCHEMA;
    format!("{c:?} {}", serde_json::to_string(c).unwrap_or_default())
}

fn main() {
    let _ = uses;
}
