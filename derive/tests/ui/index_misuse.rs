use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Row(#[pii(class = email, index)] Pii<String>);

#[derive(Classified)]
struct Customer {
    #[pii(class = email, index, storage = hash)]
    email: Pii<String>,
}

fn main() {}
