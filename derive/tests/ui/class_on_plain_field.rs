use piiguard::Classified;

#[derive(Classified)]
struct Customer {
    #[pii(class = email)]
    email: String,
}

fn main() {}
