//! Progress of long work (verifying or analysing a large trail) on standard error, drawn only
//! when it is a terminal: pipes and files get none.

/// A bar for `total` steps, labelled `what`, as wide as the terminal leaves room for (it never
/// wraps on an 80-column one).
pub(crate) fn bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{what} {{wide_bar}} {{pos}}/{{len}} ({{eta}})"
    )) {
        bar.set_style(style);
    }
    bar
}
