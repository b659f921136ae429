use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = email, log = clear, storage = mask, export = shred)]
    email: Pii<String>,
}

fn main() {}
