use piiguard::{Classified, Pii};

#[derive(Classified)]
struct Customer {
    // Token options without tokenization, a zero lifetime, and tokens in logs.
    #[pii(class = card_number, convergent, token_ttl_days = 30)]
    card: Pii<String>,
    #[pii(class = email, storage = tokenize, token_ttl_days = 0)]
    email: Pii<String>,
    #[pii(class = phone, log = tokenize)]
    phone: Pii<String>,
}

fn main() {}
