//! Training stores a model with its card and scores everyone still employed; scoring waits for the
//! governance record.

use crate::support::*;
use std::path::Path;
use tenure_store::testing::TestDatabase;

fn import_ibm(db: &str) {
    let (data, mapping) = (
        shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv"),
        example("ibm_attrition.toml"),
    );
    imported(
        data.to_str().unwrap(),
        mapping.to_str().unwrap(),
        db,
        Some("ibm"),
    );
}

fn read_scores(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn a_trained_model_is_stored_with_its_card_and_scores_everyone_still_employed() {
    for database in TestDatabase::all("train_and_score").await {
        let db = database.url.as_str();
        import_ibm(db);
        let trained = tenure(&["train", "--db", db, "--org", "ibm", "--json"]);
        assert!(
            trained.status.success(),
            "{}: {}",
            database.backend_name,
            stderr(&trained)
        );
        let card: serde_json::Value = serde_json::from_slice(&trained.stdout).unwrap();
        assert_eq!(card["version"], 1);
        let card = &card["card"];
        assert_eq!(card["data"]["training_rows"], 1470);
        assert!(
            card["evaluation"]["roc_auc"].as_f64().unwrap() > 0.8,
            "{card}"
        );
        assert!(card["protected_excluded"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("Gender")));
        let inputs: Vec<&str> = card["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            inputs.contains(&"MonthlyIncome")
                && !inputs
                    .iter()
                    .any(|c| ["Gender", "Age", "MaritalStatus"].contains(c)),
            "{inputs:?}"
        );
        // TRUST 19–20: the card reports every protected group's figures, with intervals.
        let fairness = &card["fairness"];
        let groups_of = |attribute: &str| -> Vec<String> {
            let found = fairness["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["attribute"] == attribute)
                .unwrap_or_else(|| panic!("no {attribute} in {fairness}"));
            for g in found["groups"].as_array().unwrap() {
                let rate = &g["warning_rate"];
                assert!(rate["low"].as_f64() <= rate["value"].as_f64());
                assert!(rate["value"].as_f64() <= rate["high"].as_f64());
                assert!(g["roc_auc"]["value"].as_f64().unwrap() > 0.6, "{g}");
                assert!(g["predictions"].as_u64().unwrap() >= 5);
            }
            found["groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["group"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(groups_of("Gender"), ["Female", "Male"]);
        assert_eq!(
            groups_of("MaritalStatus"),
            ["Divorced", "Married", "Single"]
        );
        assert!(groups_of("age band").contains(&"30–39".to_owned()));
        assert!(!groups_of("Gender × MaritalStatus").is_empty());
        assert!(!card["intended_uses"].as_array().unwrap().is_empty());
        assert!(!card["out_of_scope_uses"].as_array().unwrap().is_empty());
        assert!(!card["known_limits"].as_array().unwrap().is_empty());
        let report = tenure(&["fairness", "--db", db, "--org", "ibm"]);
        let report = stdout(&report);
        assert!(
            report.contains("Gender")
                && report.contains("MaritalStatus")
                && report.contains("Female"),
            "{report}"
        );
        println!("{}: IBM fairness audit\n{report}", database.backend_name);

        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("first.csv"), dir.path().join("second.csv"));
        switch_on_scoring(db, Some("ibm"));
        let scored = tenure(&[
            "score",
            "--db",
            db,
            "--org",
            "ibm",
            "--csv",
            first.to_str().unwrap(),
        ]);
        assert!(scored.status.success(), "{}", stderr(&scored));
        assert!(
            stdout(&scored).contains("1,233 new or changed"),
            "{}",
            stdout(&scored)
        );
        let rows = read_scores(&first);
        assert_eq!(rows.len(), 1233, "the 1,470 people minus the 237 who left");
        for row in &rows {
            let p: f64 = row[3].parse().unwrap();
            let expected = if p >= 0.25 {
                "high"
            } else if p >= 0.10 {
                "medium"
            } else {
                "low"
            };
            assert_eq!(row[4], expected, "{row:?}");
            assert!(
                !row[6].is_empty() || !row[7].is_empty(),
                "every score is explained: {row:?}"
            );
            assert_eq!(row[8].len(), 64, "an input hash");
        }

        let again = tenure(&[
            "score",
            "--db",
            db,
            "--org",
            "ibm",
            "--csv",
            second.to_str().unwrap(),
        ]);
        assert!(
            stdout(&again).contains("0 new or changed, 1,233 unchanged"),
            "{}",
            stdout(&again)
        );
        assert_eq!(
            read_scores(&first),
            read_scores(&second),
            "re-scoring the same input gives the same result"
        );

        let set = tenure(&[
            "thresholds",
            "--db",
            db,
            "--org",
            "ibm",
            "--high",
            "0.5",
            "--medium",
            "0.2",
        ]);
        assert!(set.status.success(), "{}", stderr(&set));
        let bad = tenure(&[
            "thresholds",
            "--db",
            db,
            "--org",
            "ibm",
            "--high",
            "0.1",
            "--medium",
            "0.2",
        ]);
        assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
        let rebanded = tenure(&["score", "--db", db, "--org", "ibm", "--top", "0"]);
        let high = rows
            .iter()
            .filter(|r| r[3].parse::<f64>().unwrap() >= 0.5)
            .count();
        assert!(
            stdout(&rebanded).contains(&format!(": {high} High (≥ 50%)")),
            "{}",
            stdout(&rebanded)
        );

        let store = database.store().await;
        let org = store.organization("ibm").await.unwrap().unwrap();
        let model = store.model(org.id, None).await.unwrap().unwrap();
        assert_eq!(model.version, 1);
        let stored = store.scores(org.id, 1).await.unwrap();
        assert_eq!(stored.len(), 1233);
        assert!(
            stored
                .windows(2)
                .all(|w| w[0].score.probability >= w[1].score.probability),
            "highest first"
        );
        store.close().await;
        database.remove().await;
    }
}

/// TRUST 15: nobody is scored before the organization records its legal basis, its
/// impact assessment and the date workers were informed.
#[test]
fn scoring_waits_for_the_governance_record_and_then_for_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    import_ibm(db.to_str().unwrap());
    let refused = tenure(&["score", "--db", db.to_str().unwrap(), "--org", "ibm"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("scoring is not switched on for organization ibm: record its legal basis, impact-assessment reference and the date workers were informed"),
        "{}",
        stderr(&refused)
    );
    let future = tenure(&[
        "governance",
        "--db",
        db.to_str().unwrap(),
        "--org",
        "ibm",
        "--legal-basis",
        "x y z",
        "--impact-assessment",
        "DPIA-1",
        "--workers-informed",
        "2999-01-01",
    ]);
    assert!(!future.status.success());
    assert!(
        stderr(&future).contains("in the future"),
        "{}",
        stderr(&future)
    );
    let shown = tenure(&["governance", "--db", db.to_str().unwrap(), "--org", "ibm"]);
    assert!(stdout(&shown).contains("scoring is not switched on"));
    switch_on_scoring(db.to_str().unwrap(), Some("ibm"));
    let shown = tenure(&["governance", "--db", db.to_str().unwrap(), "--org", "ibm"]);
    assert!(
        stdout(&shown).contains("impact assessment: DPIA-2026-004"),
        "{}",
        stdout(&shown)
    );
    let output = tenure(&["score", "--db", db.to_str().unwrap(), "--org", "ibm"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("run `tenure train` first"),
        "{}",
        stderr(&output)
    );
}

/// A panel's model card carries the warning policy re-run over the backtest: at the default
/// capacity (2.75% of the people a month), the warnings a month it would have raised, and
/// their precision, recall and lift against the base rate.
#[test]
fn a_panels_card_reports_the_policy_at_its_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db").display().to_string();
    let sim = dir.path().join("sim");
    simulate(&sim, "1000", "36", "5");
    imported(
        sim.join("panel.csv").to_str().unwrap(),
        sim.join("mapping.toml").to_str().unwrap(),
        &db,
        Some("policy"),
    );
    let trained = tenure(&["train", "--db", &db, "--org", "policy", "--json"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let card: serde_json::Value = serde_json::from_slice(&trained.stdout).unwrap();
    let policy = &card["card"]["policy"];
    assert!(
        policy["policy"]
            .as_str()
            .unwrap()
            .contains("within 2.75% of the people a month"),
        "{policy}"
    );
    let share = |field: &str| policy[field].as_f64().unwrap();
    for field in ["policy_precision", "policy_recall", "base_rate"] {
        assert!((0.0..=1.0).contains(&share(field)), "{field}: {policy}");
    }
    let (warned, who_left) = (share("warned"), share("warned_who_left"));
    let (leavers, caught) = (share("leavers"), share("leavers_warned"));
    assert!(
        who_left <= warned && caught <= leavers && leavers > 0.0,
        "{policy}"
    );
    assert!((share("policy_precision") - who_left / warned).abs() < 1e-9);
    assert!((share("policy_recall") - caught / leavers).abs() < 1e-9);
    assert!((share("policy_lift") - share("policy_precision") / share("base_rate")).abs() < 1e-9);
    // About 2.75% of the 1,000 or so people employed at each origin, a month.
    let per_month = share("policy_warned_per_month");
    assert!((22.0..=33.0).contains(&per_month), "{per_month}: {policy}");
    assert!(
        share("policy_lift") > 1.0,
        "better than warning at random: {policy}"
    );
}

/// `tenure thresholds --top --next` bands by rank; shares out of range are refused with what
/// to write and leave the bands as they were; fixed thresholds replace the shares.
#[test]
fn bands_by_rank_are_set_refused_when_out_of_range_and_replaced_by_fixed_thresholds() {
    let dir = tempfile::tempdir().unwrap();
    let db = &database_with_acme(dir.path());
    let thresholds = |extra: &[&str]| {
        let mut args = vec!["thresholds", "--db", db, "--org", "acme"];
        args.extend_from_slice(extra);
        tenure(&args)
    };
    let set = thresholds(&["--top", "0.05", "--next", "0.15"]);
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(
        stdout(&set).contains("the top 5% High and the next 15% Medium, by rank"),
        "{}",
        stdout(&set)
    );
    let refused = thresholds(&["--top", "0.7", "--next", "0.1"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("got top 0.7 and next 0.1"),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains("RelativeBandsError"));
    let unchanged = thresholds(&[]);
    assert!(
        stdout(&unchanged).contains("the top 5% High and the next 15% Medium"),
        "{}",
        stdout(&unchanged)
    );
    let fixed = thresholds(&["--high", "0.3", "--medium", "0.1"]);
    assert!(
        stdout(&fixed).contains("High from 30.0%, Medium from 10.0%, Low below")
            && !stdout(&fixed).contains("by rank"),
        "{}",
        stdout(&fixed)
    );
}
