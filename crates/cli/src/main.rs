//! The `tenure` command: parses flags and hands each subcommand to the library crates.

mod commands;
mod examples;
mod progress;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "tenure",
    version,
    about = "Attrition early warning from the HR data an organization already holds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate an organization, import it and summarise it.
    Demo(commands::demo::DemoArgs),
    /// Measure by cross-validation how well tenure predicts a file's outcomes.
    Evaluate(commands::evaluate::EvaluateArgs),
    /// Write the features tenure derives from a panel, with their labels, as CSV.
    Features(commands::features::FeaturesArgs),
    /// Profile an unknown HR file and propose a mapping for it.
    Inspect(commands::inspect::InspectArgs),
    /// Import an HR file into an organization's data, whole or not at all.
    Import(commands::import::ImportArgs),
    /// Measure and train a model on an organization's stored data; store it with its model card.
    Train(commands::train::TrainArgs),
    /// Score everyone still employed with the latest (or a given) model and store the scores.
    Score(commands::score::ScoreArgs),
    /// Expected voluntary leavers over 3, 6 and 12 months by group, with intervals and cost.
    Forecast(commands::forecast::ForecastArgs),
    /// The attrition report (organization, departments, managers) as HTML or PDF.
    Report(commands::report::ReportArgs),
    /// How long people stay: Kaplan–Meier curves by group, and the log-rank test.
    Survival(commands::survival::SurvivalArgs),
    /// The organization's latest warnings: what changed, the drivers and supportive actions.
    Warnings(commands::warnings::WarningsArgs),
    /// Show or set the organization's risk thresholds (High, Medium).
    Thresholds(commands::thresholds::ThresholdsArgs),
    /// Serve the JSON API (with its OpenAPI document), health and metrics.
    Serve(commands::serve::ServeArgs),
    /// Run queued jobs (imports, training, scoring) from the database, beside `serve` or alone.
    Worker(commands::worker::WorkerArgs),
    /// Record (or show) the legal basis, impact assessment and date workers were informed: scoring starts only after.
    Governance(commands::trust::GovernanceArgs),
    /// A model's fairness audit: warning rates, impact ratios, ROC AUC and calibration by protected group.
    Fairness(commands::trust::FairnessArgs),
    /// People's rights: export everything held about a person, or erase them.
    Person(commands::trust::PersonArgs),
    /// Show or set retention, the fairness release gate and the smallest group shown.
    Trust(commands::trust::TrustArgs),
    /// The platform operator's commands: plans, members, kill switch, offboarding, upkeep, alerts, pinging workers.
    Admin(commands::admin::AdminArgs),
    /// Write a synthetic organization's monthly HR panel, its mapping and its ground truth.
    Simulate(commands::simulate::SimulateArgs),
}

/// Exit code for input the user has to fix (a bad file or mapping), as opposed to a failure.
const BAD_INPUT: u8 = 2;

/// The command line, with every command's examples under its `--help`.
fn parse() -> Cli {
    let matches = examples::with_examples(Cli::command()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

fn main() -> ExitCode {
    let cli = parse();
    init_logging(matches!(
        cli.command,
        Command::Serve(_) | Command::Worker(_)
    ));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo(args) => commands::demo::run(args).await,
            Command::Report(args) => commands::report::run(args).await,
            Command::Evaluate(args) => commands::evaluate::run(args),
            Command::Features(args) => commands::features::run(args),
            Command::Inspect(args) => commands::inspect::run(args),
            Command::Import(args) => commands::import::run(args).await,
            Command::Simulate(args) => commands::simulate::run(args),
            Command::Train(args) => commands::train::run(args).await,
            Command::Score(args) => commands::score::run(args).await,
            Command::Forecast(args) => commands::forecast::run(args).await,
            Command::Survival(args) => commands::survival::run(args).await,
            Command::Thresholds(args) => commands::thresholds::run(args).await,
            Command::Warnings(args) => commands::warnings::run(args).await,
            Command::Serve(args) => commands::serve::run(args).await,
            Command::Worker(args) => commands::worker::run(args).await,
            Command::Admin(args) => commands::admin::run(args).await,
            Command::Governance(args) => commands::trust::governance(args).await,
            Command::Fairness(args) => commands::trust::fairness(args).await,
            Command::Person(args) => commands::trust::person(args).await,
            Command::Trust(args) => commands::trust::trust(args).await,
        }
    });
    // A long job a stopping worker handed back may still be computing on a blocking thread:
    // it is let go with the process, not waited for (its work is redone by another worker).
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let remedy = commands::remedy(&error).unwrap_or_default();
            eprintln!("error: {error:#}{remedy}");
            ExitCode::from(if commands::is_bad_input(&error) {
                BAD_INPUT
            } else {
                1
            })
        }
    }
}

/// Logs go to stderr — `warn` for commands, JSON lines at `info` for the server — unless
/// `RUST_LOG` says otherwise. They never carry personal data.
fn init_logging(server: bool) {
    let default = if server { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if server {
        logs.json().init();
    } else {
        logs.init();
    }
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::{CommandFactory, Parser};

    /// Where the hand-written part of `docs/cli.md` ends and the generated reference begins.
    const GENERATED: &str =
        "<!-- generated reference: everything below is written by the test -->\n";

    /// The reference of every subcommand (nested ones too), as Markdown: each command's long
    /// help as clap prints it, at a fixed width so the file does not depend on a terminal.
    fn reference() -> String {
        let mut command = crate::examples::with_examples(Cli::command()).term_width(100);
        command.build();
        let mut out = String::new();
        write_command(&mut out, &command, "tenure");
        out
    }

    fn write_command(out: &mut String, command: &clap::Command, path: &str) {
        let mut command = command.clone();
        out.push_str(&format!(
            "\n### `{path}`\n\n```text\n{}```\n",
            command.render_long_help()
        ));
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            write_command(out, sub, &format!("{path} {}", sub.get_name()));
        }
    }

    /// Every command has examples under its `--help`, and each example parses as written:
    /// flags renamed or removed break this test, not a reader's first try.
    #[test]
    fn every_command_has_examples_that_parse() {
        let command = Cli::command();
        let mut paths = Vec::new();
        command_paths(&command, "", &mut paths);
        for path in &paths {
            let examples = crate::examples::EXAMPLES
                .iter()
                .find(|(p, _)| p == path)
                .unwrap_or_else(|| panic!("`tenure {path}` has no examples"));
            assert!(!examples.1.is_empty(), "`tenure {path}`");
            for example in examples.1 {
                let words = shell_words(example);
                let parsed = Cli::try_parse_from(&words);
                assert!(parsed.is_ok(), "{example}: {}", parsed.err().unwrap());
                let top = path.split(' ').next().unwrap_or_default();
                assert!(
                    example.contains(&format!("tenure {top}")),
                    "`{example}` shows `tenure {path}`"
                );
            }
        }
        let help = crate::examples::with_examples(Cli::command())
            .find_subcommand_mut("import")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(
            help.contains(
                "Examples:\n  tenure import export.csv --mapping mapping.toml --org acme"
            ),
            "{help}"
        );
    }

    fn command_paths(command: &clap::Command, path: &str, out: &mut Vec<String>) {
        out.push(path.to_owned());
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let sub_path = if path.is_empty() {
                sub.get_name().to_owned()
            } else {
                format!("{path} {}", sub.get_name())
            };
            command_paths(sub, &sub_path, out);
        }
    }

    /// An example split as a shell would: quotes kept together, a leading `VAR=…` and what
    /// follows `>` dropped.
    fn shell_words(example: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        for c in example.chars() {
            match c {
                '"' => quoted = !quoted,
                ' ' if !quoted => {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                }
                c => word.push(c),
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        let start = words.iter().position(|w| w == "tenure").unwrap_or(0);
        let end = words.iter().position(|w| w == ">").unwrap_or(words.len());
        words[start..end].to_vec()
    }

    /// `docs/cli.md` lists every flag of every command as the binary has them.
    #[test]
    fn cli_reference_in_the_docs_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/cli.md");
        let text = std::fs::read_to_string(&path).expect("docs/cli.md");
        let (written, _) = text
            .split_once(GENERATED)
            .expect("docs/cli.md marks where its generated reference begins");
        let current = format!("{written}{GENERATED}{}", reference());
        if std::env::var_os("TENURE_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &current).expect("docs/cli.md written");
            return;
        }
        assert!(
            text == current,
            "docs/cli.md is behind the command's flags: run \
             `TENURE_UPDATE_DOCS=1 cargo test -p tenure --bin tenure cli_reference`"
        );
    }
}
