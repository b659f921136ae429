use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(subject = email)]
struct Customer {
    #[pii(class = email)]
    email: Pii<String>,
    #[pii(class = phone, name = "email")]
    phone: Pii<String>,
}

fn main() {}
