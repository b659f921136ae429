//! `piiguard scrub`: the free-text scrubber over files and standard streams.

use crate::Usage;
use piiguard::scrub::Scrubber;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `piiguard scrub`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Files to scrub, in order; none, or `-`, reads standard input.
    files: Vec<PathBuf>,

    /// Write the scrubbed text to this file instead of standard output.
    #[arg(short, long, value_name = "FILE", conflicts_with_all = ["in_place", "check"])]
    output: Option<PathBuf>,

    /// Rewrite each file with its scrubbed text (through a temporary file and a rename).
    #[arg(long, conflicts_with = "check", requires = "files")]
    in_place: bool,

    /// Write no text: list each finding as `file:line:column class` (never the value) and exit
    /// with status 1 if there is any.
    #[arg(long)]
    check: bool,

    /// Leave this value readable where the detector of CLASS finds it (`email=support@example.com`,
    /// `phone=+1-555-0100`), and nowhere else; repeatable.
    #[arg(long, value_name = "CLASS=VALUE")]
    allow: Vec<String>,

    /// Leave IP addresses in this network readable (`10.0.0.0/8`, `2001:db8::/32`); repeatable.
    #[arg(long, value_name = "CIDR")]
    allow_network: Vec<String>,

    /// Mask a host's own addresses too (loopback, unspecified), which stay readable by default.
    #[arg(long)]
    mask_host_addresses: bool,
}

/// The scrubber the arguments ask for.
fn scrubber(args: &Args) -> Result<Scrubber, Usage> {
    let mut scrubber = Scrubber::new();
    if args.mask_host_addresses {
        scrubber = scrubber.mask_host_addresses();
    }
    for entry in &args.allow {
        let (class, value) = entry
            .split_once('=')
            .ok_or_else(|| Usage("--allow takes CLASS=VALUE".to_owned()))?;
        scrubber = scrubber
            .allow(class, value)
            .map_err(|e| Usage(format!("--allow {class}=…: {e}")))?;
    }
    for network in &args.allow_network {
        scrubber = scrubber
            .allow_network(network)
            .map_err(|e| Usage(format!("--allow-network: {e}")))?;
    }
    Ok(scrubber)
}

/// An I/O error with the path it happened on.
#[derive(Debug)]
pub(crate) struct Failed {
    path: String,
    source: io::Error,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.source)
    }
}

fn at(path: &Path) -> impl FnOnce(io::Error) -> Failed + '_ {
    move |source| Failed {
        path: path.display().to_string(),
        source,
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn open(path: &Path) -> Result<Box<dyn BufRead>, Failed> {
    if is_stdin(path) {
        Ok(Box::new(io::stdin().lock()))
    } else {
        Ok(Box::new(BufReader::new(
            File::open(path).map_err(at(path))?,
        )))
    }
}

impl From<Failed> for Usage {
    fn from(failed: Failed) -> Self {
        Usage(failed.to_string())
    }
}

pub(crate) fn run(args: &Args) -> Result<ExitCode, Usage> {
    let stdin = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin[..]
    } else {
        &args.files[..]
    };
    let scrubber = scrubber(args)?;
    if args.check {
        let mut found = 0;
        let stdout = io::stdout();
        let mut out = stdout.lock();
        for path in files {
            found += check(&scrubber, path, open(path)?, &mut out)?;
        }
        return Ok(if found == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    if args.in_place {
        for path in files {
            in_place(&scrubber, path)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let (name, out): (PathBuf, Box<dyn Write>) = match &args.output {
        Some(path) => (
            path.clone(),
            Box::new(File::create(path).map_err(at(path))?),
        ),
        None => (PathBuf::from("<stdout>"), Box::new(io::stdout().lock())),
    };
    let mut out = BufWriter::new(out);
    for path in files {
        scrubber
            .scrub_stream(open(path)?, &mut out)
            .map_err(at(path))?;
    }
    out.flush().map_err(at(&name))?;
    Ok(ExitCode::SUCCESS)
}

/// Lists the findings of one input; returns how many.
fn check(
    scrubber: &Scrubber,
    path: &Path,
    mut input: impl BufRead,
    out: &mut impl Write,
) -> Result<usize, Failed> {
    let name = if is_stdin(path) {
        String::from("<stdin>")
    } else {
        path.display().to_string()
    };
    let mut line = Vec::new();
    let mut found = 0;
    for number in 1.. {
        line.clear();
        if input.read_until(b'\n', &mut line).map_err(at(path))? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        for finding in scrubber.find(&text) {
            let column = text[..finding.range.start].chars().count() + 1;
            writeln!(out, "{name}:{number}:{column} {}", finding.class)
                .map_err(at(Path::new("<stdout>")))?;
            found += 1;
        }
    }
    Ok(found)
}

/// Scrubs a file into a sibling temporary file with the same permissions, then renames it over
/// the original, so a failure never leaves a half-written file.
fn in_place(scrubber: &Scrubber, path: &Path) -> Result<(), Failed> {
    if is_stdin(path) {
        return Err(Failed {
            path: "-".into(),
            source: io::Error::new(io::ErrorKind::InvalidInput, "--in-place needs files"),
        });
    }
    let mut temp_name = path.file_name().unwrap_or_default().to_os_string();
    temp_name.push(".piiguard-scrub");
    let temp = path.with_file_name(temp_name);
    let result = (|| {
        let permissions = fs::metadata(path)?.permissions();
        let mut out = BufWriter::new(File::create(&temp)?);
        scrubber.scrub_stream(BufReader::new(File::open(path)?), &mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::set_permissions(&temp, permissions)?;
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(at(path))
}
