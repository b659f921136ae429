use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = card_number, export = tokenize)]
    card: Pii<String>,
}

fn main() {}
