use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = passport, sensitivity = personal)]
    passport: Pii<String>,
}

fn main() {}
