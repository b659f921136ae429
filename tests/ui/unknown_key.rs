use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = email, encrypted)]
    email: Pii<String>,
}

fn main() {}
