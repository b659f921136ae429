use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    #[pii(class = emial)]
    email: Pii<String>,
}

fn main() {}
