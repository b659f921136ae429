//! One generator per class, each drawing only from reserved or test ranges, each value passing
//! its class's own validation.

use super::Synth;
use crate::class::Class;
use rand::RngExt as _;

const GIVEN: [&str; 16] = [
    "Jane", "John", "Alex", "Sam", "Maria", "Ahmed", "Yuki", "Olga", "Chen", "Amara", "Luca",
    "Ines", "Noah", "Priya", "Omar", "Eva",
];
const FAMILY: [&str; 12] = [
    "Doe",
    "Roe",
    "Example",
    "Sample",
    "Placeholder",
    "Testsson",
    "Muster",
    "Dupont",
    "Rossi",
    "Tanaka",
    "Novak",
    "Okafor",
];
const STREETS: [&str; 6] = [
    "Example Street",
    "Sample Road",
    "Test Lane",
    "Demo Avenue",
    "Mock Way",
    "Fixture Close",
];
/// RFC 2606: reserved for documentation.
pub(crate) const EMAIL_DOMAINS: [&str; 3] = ["example.com", "example.org", "example.net"];
/// Area codes in use (so the numbers look like numbers); the 555-0100…0199 lines are fictional.
const NPA: [u16; 10] = [201, 212, 303, 415, 512, 617, 702, 818, 917, 206];
/// BINs of the card networks' published test numbers.
pub(crate) const TEST_BINS: [(&str, usize); 4] = [
    ("411111", 16),
    ("424242", 16),
    ("555555", 16),
    ("378282", 15),
];

impl Synth {
    /// A value of `class`, from reserved or test ranges, valid for the class.
    ///
    /// A custom class gets `synthetic-N`, which its own validation may refuse: give such fields
    /// their values yourself.
    pub fn value(&mut self, class: Class) -> String {
        let n = self.next_serial();
        match class {
            Class::Email => format!(
                "{}.{}{n}@{}",
                self.pick(&GIVEN).to_lowercase(),
                self.pick(&FAMILY).to_lowercase(),
                self.pick(&EMAIL_DOMAINS)
            ),
            Class::Phone => {
                if self.rng.random_bool(0.5) {
                    format!(
                        "+1-{}-555-01{:02}",
                        self.pick(&NPA),
                        self.rng.random_range(0..100)
                    )
                } else {
                    // Ofcom's numbers for drama: 07700 900000 to 900999.
                    format!("+44 7700 900{:03}", self.rng.random_range(0..1000))
                }
            }
            Class::Name => format!("{} {}", self.pick(&GIVEN), self.pick(&FAMILY)),
            Class::Address => format!(
                "{} {}, Springfield",
                self.rng.random_range(1..400),
                self.pick(&STREETS)
            ),
            Class::BirthDate => {
                let day = <time::Date as super::Synthetic>::synthetic(self);
                format!(
                    "{:04}-{:02}-{:02}",
                    day.year(),
                    u8::from(day.month()),
                    day.day()
                )
            }
            Class::Passport => format!("X{:08}", self.rng.random_range(0..100_000_000u32)),
            // The UK's QQ prefix is the documentation example, never issued.
            Class::NationalId => format!(
                "QQ {:02} {:02} {:02} {}",
                self.rng.random_range(0..100),
                self.rng.random_range(0..100),
                self.rng.random_range(0..100),
                self.pick(&['A', 'B', 'C', 'D'])
            ),
            Class::CardNumber => {
                let (bin, len) = *self.pick(&TEST_BINS);
                let mut digits: Vec<u8> = bin.bytes().map(|b| b - b'0').collect();
                while digits.len() < len - 1 {
                    digits.push(self.rng.random_range(0..10));
                }
                digits.push(luhn_digit(&digits));
                digits.iter().map(|d| char::from(b'0' + d)).collect()
            }
            Class::Iban => self.iban(),
            Class::IpAddress => {
                if self.rng.random_bool(0.7) {
                    let block = self.pick(&["192.0.2", "198.51.100", "203.0.113"]);
                    format!("{block}.{}", self.rng.random_range(1..255))
                } else {
                    format!(
                        "2001:db8:{:x}:{:x}::{:x}",
                        self.rng.random_range(0..0xffffu32),
                        self.rng.random_range(0..0xffffu32),
                        self.rng.random_range(1..0xffffu32)
                    )
                }
            }
            // Around 0°, 0° in the Gulf of Guinea, where no one lives.
            Class::GeoLocation => format!(
                "{:.4},{:.4}",
                self.rng.random_range(-0.5..0.5f64),
                self.rng.random_range(-0.5..0.5f64)
            ),
            Class::Health => format!(
                "synthetic condition {}{n}",
                self.pick(&['A', 'B', 'C', 'D', 'E'])
            ),
            Class::Biometric => format!("synthetic-template:{:032x}", self.rng.random::<u128>()),
            Class::FreeText => format!("Synthetic note {n}: nothing about anyone."),
            _ => format!("synthetic-{n}"),
        }
    }

    fn iban(&mut self) -> String {
        use rand08::SeedableRng as _;
        let mut rng08 = rand08::rngs::StdRng::seed_from_u64(self.rng.random());
        // idsmith knows countries outside the registry too; keep the registry's.
        for _ in 0..64 {
            if let Ok(iban) = idsmith::iban::generate_iban(None, &mut rng08)
                && Class::Iban.validate(iban.as_bytes()).is_ok()
            {
                return iban;
            }
        }
        "DE89370400440532013000".to_owned()
    }

    fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
        &from[self.rng.random_range(0..from.len())]
    }
}

/// The digit that makes `digits` pass Luhn.
fn luhn_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap_or(0)
}
