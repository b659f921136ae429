use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    email: Pii<String>,
}

fn main() {}
