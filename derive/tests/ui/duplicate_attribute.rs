use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = email)]
    #[pii(class = phone)]
    email: Pii<String>,
}

fn main() {}
