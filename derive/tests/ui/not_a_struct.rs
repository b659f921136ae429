use piiguard::Classified;

#[derive(Classified)]
enum Contact {
    Email(String),
}

fn main() {}
