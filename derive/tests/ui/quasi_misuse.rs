use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Inner {
    #[pii(class = email)]
    email: Pii<String>,
}

#[derive(Classified)]
struct Visit {
    #[pii(class = birth_date, quasi = decade)]
    born: Pii<String>,
    #[pii(quasi = prefix)]
    postcode: String,
    #[pii(quasi = prefix(300))]
    region: String,
    #[pii(nested, quasi)]
    inner: Inner,
}

fn main() {}
