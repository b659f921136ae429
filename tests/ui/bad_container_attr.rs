use piiguard::{Classified, Pii};

#[derive(Classified)]
#[pii(display = "no")]
#[pii(colour = blue)]
struct Customer {
    #[pii(class = email)]
    email: Pii<String>,
}

fn main() {}
