//! Progress bars for long steps, drawn on stderr only when it is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use tenure_ingest::Progress;

#[derive(Default)]
pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn style(total: u64) -> ProgressStyle {
        let template = if total > 0 {
            "{prefix:>11} [{bar:30}] {pos}/{len} rows ({per_sec}, {eta})"
        } else {
            "{prefix:>11} {spinner} {elapsed}"
        };
        ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> ")
    }

    pub fn spinner(&self, name: &'static str) {
        self.stage(name, 0);
    }
}

impl tenure_monitor::Progress for Bars {
    fn step(&self, what: &str) {
        self.spinner("working");
        if let Some(bar) = self.current.lock().expect("progress lock").as_ref() {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
            );
            bar.set_message(what.to_owned());
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &'static str, total: u64) {
        let bar = if total > 0 {
            ProgressBar::new(total)
        } else {
            ProgressBar::new_spinner()
        };
        bar.set_style(Self::style(total));
        bar.set_prefix(name);
        if total == 0 {
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
        if let Some(previous) = self.current.lock().expect("progress lock").replace(bar) {
            previous.finish_and_clear();
        }
    }

    fn advance_to(&self, done: u64) {
        if let Some(bar) = self.current.lock().expect("progress lock").as_ref() {
            bar.set_position(done);
        }
    }

    fn finish(&self) {
        if let Some(bar) = self.current.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}
