//! The simulator is deterministic, and the demo simulates, imports, trains, streams events and ends
//! with the dashboard running.

use crate::support::*;

#[test]
fn simulate_is_deterministic_for_a_seed() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, seed: &str| {
        let out = dir.path().join(name);
        simulate(&out, "300", "24", seed);
        (
            std::fs::read(out.join("panel.csv")).unwrap(),
            std::fs::read(out.join("ground_truth.csv")).unwrap(),
        )
    };
    let (a, b, c) = (run("a", "9"), run("b", "9"), run("c", "10"));
    assert_eq!(a, b, "same seed, same files");
    assert_ne!(a.0, c.0, "another seed, another organization");
}

#[tokio::test]
async fn the_demo_simulates_imports_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let demo = || {
        tenure(&[
            "demo",
            "--dir",
            dir.path().to_str().unwrap(),
            "--people",
            "1000",
            "--months",
            "36",
            "--no-serve",
        ])
    };
    let output = demo();
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for part in [
        "people:",
        // The last three months are held back and streamed as events.
        "months:        33",
        "exits by kind:",
        "resignation",
        "voluntary attrition by department",
        "Engineering",
        "trained model version 1",
        "rolling-origin backtest",
        "on unseen data ROC AUC",
        "highest risks",
        "↑ ",
        "organization-wide drivers",
        "streaming the last months as HR events",
        "2025-12: ",
        " rating",
        "people re-scored",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
    let streamed = text
        .lines()
        .filter(|l| l.starts_with("  2025-1") && l.contains(" events ("))
        .count();
    assert_eq!(streamed, 3, "one line per streamed month:\n{text}");
    let db = dir.path().join("tenure.db");
    let (snapshots, ..) = org_counts(db.to_str().unwrap(), "demo").await;
    assert!(snapshots > 30000, "{snapshots}");
    let again = demo();
    assert!(
        stdout(&again).contains(" 0 added"),
        "a second demo run adds nothing: {}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("trained model version 2"),
        "{}",
        stdout(&again)
    );
    assert!(
        stdout(&again).contains("applied by an earlier demo run"),
        "events are not applied twice: {}",
        stdout(&again)
    );
    // The attrition report of the demo organization, as HTML in each language and as PDF.
    let db = db.to_str().unwrap();
    for (file, lang, expect) in [
        ("report.html", "en", "Attrition report — Demo organization"),
        (
            "report-zh.html",
            "zh-CN",
            "离职分析报告 — Demo organization",
        ),
    ] {
        let out = dir.path().join(file);
        let output = tenure(&[
            "report",
            "--db",
            db,
            "--org",
            "demo",
            "--out",
            out.to_str().unwrap(),
            "--lang",
            lang,
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(stdout(&output).contains("attrition report for Demo organization"));
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(html.contains(expect), "{expect}");
        assert!(html.contains("Engineering"), "departments are listed");
    }
    let pdf = dir.path().join("report.pdf");
    let output = tenure(&[
        "report",
        "--db",
        db,
        "--org",
        "demo",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && String::from_utf8_lossy(&bytes).contains("(Engineering)")
    );
    let wrong = tenure(&[
        "report",
        "--db",
        db,
        "--org",
        "demo",
        "--out",
        "report.docx",
    ]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("name a .html or a .pdf file"),
        "{}",
        stderr(&wrong)
    );
    let out = dir.path().join("r.html");
    let wrong = tenure(&[
        "report",
        "--db",
        db,
        "--org",
        "demo",
        "--out",
        out.to_str().unwrap(),
        "--lang",
        "fr",
    ]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stderr(&wrong).contains("--lang fr: expected en or zh-CN"),
        "{}",
        stderr(&wrong)
    );
    assert!(!out.exists(), "nothing written");
}

/// `tenure demo` ends serving the dashboard on the demo organization: it prints the address
/// and a password made for the run, with which the owner signs in and sees real figures.
#[tokio::test]
async fn the_demo_ends_with_the_dashboard_running_and_a_password_to_sign_in_with() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(TENURE)
        .args([
            "demo",
            "--dir",
            dir.path().to_str().unwrap(),
            "--people",
            "400",
            "--months",
            "36",
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("TENURE_DATABASE_URL")
        .env("TENURE_THREADS", "1")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut password) = (None, None);
    while let Some(line) = lines.next_line().await.unwrap() {
        if let Some(rest) = line.strip_prefix("dashboard: ") {
            url = Some(rest.trim_end_matches('/').to_owned());
        }
        if let Some((_, rest)) = line.split_once("one-time password: ") {
            password = Some(rest.to_owned());
            break;
        }
    }
    let (url, password) = (url.expect("the address"), password.expect("the password"));
    let http = reqwest::Client::new();
    let wrong = http
        .post(format!("{url}/api/v1/login"))
        .json(
            &serde_json::json!({"email": "owner@demo.example", "password": "not this one at all"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status().as_u16(), 401);
    let login = http
        .post(format!("{url}/api/v1/login"))
        .json(&serde_json::json!({"email": "owner@demo.example", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let overview = http
        .get(format!("{url}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(overview.status().as_u16(), 200);
    let html = overview.text().await.unwrap();
    assert!(html.contains("Demo organization"));
    assert!(
        html.contains("<dt>Expected voluntary leavers, 12 months</dt>"),
        "{html}"
    );
    assert!(
        html.contains("<dt>Warnings this month</dt>"),
        "the streamed events' warnings"
    );
    child.kill().await.unwrap();
}

/// The simulator's documented causes, by the export column (or factor) that shows each.
const DOCUMENTED_CAUSES: &[(&str, &str)] = &[
    ("annual_pay", "pay_below_band"),
    ("level_start_date", "no_promotion"),
    ("job_level", "no_promotion"),
    ("engagement_score", "low_engagement, falling_engagement"),
    ("overtime_hours", "heavy_overtime"),
    ("manager_support_score", "poor_manager"),
    ("manager_id", "manager_change"),
    ("team", "poor_manager, teammates_left"),
    ("tenure", "tenure_curve"),
    ("time of year", "bonus_season"),
    ("commute_km", "long_commute"),
    ("last_rating", "rating_extremes"),
];

#[test]
fn the_organization_wide_drivers_are_the_simulators_documented_causes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    simulate(&sim, "2000", "36", "1");
    let panel = sim.join("panel.csv");
    let mapping = sim.join("mapping.toml");
    assert!(tenure(&[
        "import",
        panel.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
        "--db",
        db,
        "--org",
        "sim"
    ])
    .status
    .success());
    let trained = tenure(&["train", "--db", db, "--org", "sim", "--origins", "1"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    switch_on_scoring(db, Some("sim"));
    let scored = tenure(&["score", "--db", db, "--org", "sim", "--top", "0"]);
    assert!(scored.status.success(), "{}", stderr(&scored));
    let text = stdout(&scored);
    let drivers: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("organization-wide drivers"))
        .skip(1)
        .take(5)
        .map(|l| l.split("  ").find(|p| !p.is_empty()).unwrap().trim())
        .collect();
    assert_eq!(drivers.len(), 5, "{text}");
    let documented = drivers
        .iter()
        .filter(|d| DOCUMENTED_CAUSES.iter().any(|(column, _)| column == *d))
        .count();
    assert!(
        documented >= 4,
        "top five drivers {drivers:?}: only {documented} are documented causes"
    );
}
