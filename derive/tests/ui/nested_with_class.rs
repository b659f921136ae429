use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Address {
    #[pii(class = address)]
    lines: Pii<String>,
}

#[derive(Classified)]
struct Customer {
    #[pii(nested, class = address)]
    home: Address,
    #[pii(nested)]
    email: Pii<String>,
}

fn main() {}
