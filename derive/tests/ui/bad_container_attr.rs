use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(display = "no")]
#[pii(colour = blue)]
struct Customer {
    #[pii(class = email)]
    email: Pii<String>,
}

fn main() {}

#[derive(Classified)]
#[pii(stored_in = "")]
struct NowhereStored {
    id: u64,
}

#[derive(Classified)]
#[pii(stored_in = "postgres:a", stored_in = "postgres:b")]
struct StoredTwice {
    id: u64,
}
