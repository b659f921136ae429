use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(subject = customer_id)]
struct Customer {
    id: u64,
    #[pii(class = email)]
    email: Pii<String>,
}

fn main() {}
