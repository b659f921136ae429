//! Progress of long work (verifying or analysing a large trail) on standard error, drawn only
//! when it is a terminal: pipes and files get none.

/// A bar for `total` steps, labelled `what`.
pub(crate) fn bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{what} {{bar:40}} {{pos}}/{{len}} events ({{eta}})"
    )) {
        bar.set_style(style);
    }
    bar
}
