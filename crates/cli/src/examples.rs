//! Examples under every command's `--help`: one place for all of them, attached to the
//! command tree when the CLI is built, and each one parsed by the tests so none goes stale.

/// Each command's path (as typed after `tenure`) and its examples, each a full invocation.
pub const EXAMPLES: &[(&str, &[&str])] = &[
    ("", &["tenure demo", "tenure inspect export.csv --format toml > mapping.toml"]),
    ("demo", &["tenure demo", "tenure demo --people 500 --no-serve --dir /tmp/demo"]),
    (
        "evaluate",
        &[
            "tenure evaluate staff.xlsx --mapping mapping.toml",
            "tenure evaluate panel.csv --mapping mapping.toml --horizon 6 --origins 4 --json",
        ],
    ),
    (
        "features",
        &["tenure features panel.csv --mapping mapping.toml --out features.csv"],
    ),
    (
        "inspect",
        &[
            "tenure inspect export.csv",
            "tenure inspect roster.csv --encoding GBK --format toml > mapping.toml",
            "tenure inspect workbook.xlsx --sheet Headcount --format toml",
        ],
    ),
    (
        "import",
        &[
            "tenure import export.csv --mapping mapping.toml --org acme",
            "tenure import march.xlsx --mapping mapping.toml --org acme --replace",
        ],
    ),
    (
        "train",
        &["tenure train --org acme", "tenure train --org acme --learner logistic --json"],
    ),
    (
        "score",
        &["tenure score --org acme --top 10", "tenure score --org acme --csv scores.csv"],
    ),
    (
        "forecast",
        &["tenure forecast --org acme --by department", "tenure forecast --org acme --json"],
    ),
    (
        "report",
        &[
            "tenure report --org acme --out report.html",
            "tenure report --org acme --out report.pdf --lang zh-CN",
        ],
    ),
    ("survival", &["tenure survival --org acme --by department"]),
    ("warnings", &["tenure warnings --org acme --limit 20"]),
    (
        "thresholds",
        &[
            "tenure thresholds --org acme",
            "tenure thresholds --org acme --high 0.3 --medium 0.15",
            "tenure thresholds --org acme --top 0.05 --next 0.15",
        ],
    ),
    (
        "serve",
        &[
            "tenure serve",
            "tenure serve --db postgres://tenure@db/tenure --listen 0.0.0.0:8080",
        ],
    ),
    (
        "worker",
        &["tenure worker --db postgres://tenure@db/tenure", "tenure worker --until-idle"],
    ),
    (
        "governance",
        &[
            "tenure governance --org acme",
            "tenure governance --org acme --legal-basis \"GDPR art. 6(1)(f)\" --impact-assessment DPIA-1 --workers-informed 2026-01-15",
        ],
    ),
    ("fairness", &["tenure fairness --org acme", "tenure fairness --org acme --json"]),
    ("person", &["tenure person --org acme export E1001 > E1001.json"]),
    ("person export", &["tenure person --org acme export E1001 > E1001.json"]),
    ("person erase", &["tenure person --org acme erase E1001"]),
    (
        "trust",
        &["tenure trust --org acme", "tenure trust --org acme --retention-months 24 --min-group-size 7"],
    ),
    ("admin", &["tenure admin plan show --org acme"]),
    ("admin plan", &["tenure admin plan show --org acme"]),
    ("admin plan show", &["tenure admin plan show --org acme"]),
    (
        "admin plan grant",
        &["tenure admin plan grant --org acme --plan member --until 2027-12-31"],
    ),
    ("admin member", &["tenure admin member add --org acme --email hr@acme.example --role hr"]),
    (
        "admin member add",
        &["TENURE_PASSWORD=… tenure admin member add --org acme --email hr@acme.example --role hr"],
    ),
    ("admin suspend", &["tenure admin suspend --org acme"]),
    ("admin passwords-on", &["tenure admin passwords-on --org acme"]),
    ("admin resume", &["tenure admin resume --org acme"]),
    ("admin offboard", &["tenure admin offboard --org acme --after-days 30"]),
    ("admin upkeep", &["tenure admin upkeep --org acme"]),
    ("admin alerts", &["tenure admin alerts", "tenure admin alerts --acknowledge 3"]),
    ("admin ping-workers", &["tenure admin ping-workers --org acme --count 20"]),
    ("admin backup", &["tenure admin backup --db tenure.db --out backup.db"]),
    ("admin restore", &["tenure admin restore --from backup.db --db restored.db"]),
    ("admin verify", &["tenure admin verify --db restored.db"]),
    (
        "simulate",
        &["tenure simulate --people 2000 --months 36 --seed 1 --out org"],
    ),
];

/// `command` (the whole `tenure` tree) with its examples under each command's long help.
pub fn with_examples(command: clap::Command) -> clap::Command {
    attach(command, "")
}

fn attach(mut command: clap::Command, path: &str) -> clap::Command {
    if let Some((_, examples)) = EXAMPLES.iter().find(|(p, _)| *p == path) {
        let mut text = String::from("Examples:\n");
        for example in *examples {
            text.push_str(&format!("  {example}\n"));
        }
        command = command.after_long_help(text);
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .filter(|n| n != "help")
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        command = command.mut_subcommand(&name, |sub| attach(sub, &sub_path));
    }
    command
}
