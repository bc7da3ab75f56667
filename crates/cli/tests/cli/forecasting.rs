//! Forecasts and survival: by group with intervals and cost, from time-to-event data, time to exit
//! ranked against Cox, and survival curves with the log-rank test.

use crate::support::*;

/// Simulates, imports and forecasts as of month 24 of 30: the figures hang together, small
/// groups are withheld, and nothing after month 24 was used.
#[test]
fn a_forecast_made_in_the_past_breaks_down_by_group_with_intervals_and_cost() {
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let db = dir.path().join("tenure.db");
    let db = db.to_str().unwrap();
    simulate(&sim, "600", "30", "4");
    imported(
        sim.join("panel.csv").to_str().unwrap(),
        sim.join("mapping.toml").to_str().unwrap(),
        db,
        None,
    );
    let forecast = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec!["forecast", "--db", db, "--until", "2024-12-31", "--json"];
        args.extend_from_slice(extra);
        let output = tenure(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_slice(&output.stdout).expect("one JSON object")
    };
    let by_department = forecast(&["--by", "department"]);
    assert_eq!(by_department["as_of"], "2024-12-01", "{by_department}");
    // The level's uncertainty is at least the chance in last year's count, widened by what
    // the out-of-time check of the model saw.
    let check = &by_department["out_of_time_check"];
    assert!(check["expected_leavers"].as_f64().unwrap() > 1.0, "{check}");
    assert!(check["actual_leavers"].as_u64().is_some(), "{check}");
    let recent = by_department["recent_voluntary_leavers"].as_f64().unwrap();
    let level_sd = by_department["level_uncertainty"].as_f64().unwrap();
    assert!(
        level_sd >= 1.0 / recent.sqrt() - 1e-12,
        "{level_sd} with {recent} leavers"
    );
    let organization = &by_department["organization"];
    let horizons = organization["horizons"].as_array().unwrap();
    let expected: Vec<f64> = horizons
        .iter()
        .map(|h| h["expected_leavers"].as_f64().unwrap())
        .collect();
    assert_eq!(
        horizons
            .iter()
            .map(|h| h["months"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [3, 6, 12]
    );
    assert!(
        expected[0] > 1.0 && expected[0] < expected[1] && expected[1] < expected[2],
        "{expected:?}"
    );
    for h in horizons {
        let (lower, upper, mean) = (
            h["interval_lower"].as_f64().unwrap(),
            h["interval_upper"].as_f64().unwrap(),
            h["expected_leavers"].as_f64().unwrap(),
        );
        assert!(lower <= mean && mean <= upper && lower < upper, "{h}");
        // The simulated pay is annual: 21% of it per expected leaver, on the order of thousands each.
        assert!(h["expected_cost"].as_f64().unwrap() > 1000.0 * mean, "{h}");
        assert_eq!(h["people_without_pay"], 0);
        // Regretted leavers: those rated above the median (the simulation's mapping names
        // the rating), a part of all, with the cost of replacing them.
        let regretted = &h["regretted"];
        let (expected, people) = (
            regretted["expected_leavers"].as_f64().unwrap(),
            regretted["people"].as_f64().unwrap(),
        );
        assert!(expected > 0.0 && expected < mean, "{h}");
        let employed = organization["people"].as_f64().unwrap();
        assert!(people > 0.1 * employed && people < 0.6 * employed, "{h}");
        let cost = regretted["expected_cost"].as_f64().unwrap();
        assert!(
            cost > 1000.0 * expected && cost < h["expected_cost"].as_f64().unwrap(),
            "{h}"
        );
    }
    let groups = by_department["groups"].as_array().unwrap();
    let people: u64 = groups.iter().map(|g| g["people"].as_u64().unwrap()).sum();
    assert_eq!(people, organization["people"].as_u64().unwrap());
    let six_month_sum: f64 = groups
        .iter()
        .filter_map(|g| g["horizons"].as_array())
        .map(|h| h[1]["expected_leavers"].as_f64().unwrap())
        .sum();
    assert!(
        (six_month_sum - expected[1]).abs() < 1e-6 * expected[1].max(1.0)
            || groups.iter().any(|g| g["suppressed"] == true)
    );
    // Teams are small: the ones under five people carry no figures, and (complementary
    // suppression) neither do enough others that none can be worked out by subtraction.
    let by_team = forecast(&["--by", "team"]);
    let mut hidden = Vec::new();
    for group in by_team["groups"].as_array().unwrap() {
        let people = group["people"].as_u64().unwrap();
        let suppressed = group["suppressed"] == true;
        assert!(suppressed || people >= 5, "{group}");
        assert_eq!(group["horizons"].is_null(), suppressed, "{group}");
        if suppressed {
            hidden.push(people);
        }
    }
    // This organization has teams of fewer than five: some groups must be withheld, never one
    // alone, and never fewer than five people in all.
    assert!(
        hidden.len() >= 2 && hidden.iter().sum::<u64>() >= 5,
        "withheld teams: {hidden:?}"
    );
    // The same forecast from a database that never saw the later months.
    let cut = dir.path().join("cut.csv");
    let text = std::fs::read_to_string(sim.join("panel.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let kept: Vec<&str> = std::iter::once(header)
        .chain(lines.filter(|l| l.split(',').nth(1).is_some_and(|d| d <= "2024-12-31")))
        .collect();
    // Exits after the cut had not happened yet: blank them.
    let exit_date = header.split(',').position(|c| c == "exit_date").unwrap();
    let blanked: Vec<String> = kept
        .iter()
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            if cells[exit_date] > "2024-12-31" && cells[exit_date] != "exit_date" {
                cells[exit_date] = "";
                cells[exit_date + 1] = "";
            }
            cells.join(",")
        })
        .collect();
    std::fs::write(&cut, blanked.join("\n") + "\n").unwrap();
    let cut_db = dir.path().join("cut.db");
    imported(
        cut.to_str().unwrap(),
        sim.join("mapping.toml").to_str().unwrap(),
        cut_db.to_str().unwrap(),
        None,
    );
    let output = tenure(&[
        "forecast",
        "--db",
        cut_db.to_str().unwrap(),
        "--by",
        "department",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let blind: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(blind["organization"], by_department["organization"]);
    assert_eq!(blind["groups"], by_department["groups"]);
}

#[test]
fn time_to_event_data_forecasts_its_censored_people_and_a_cross_section_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tenure.db");
    let db = db.to_str().unwrap();
    imported(
        shared_data("job_retention.csv").to_str().unwrap(),
        example("job_retention.toml").to_str().unwrap(),
        db,
        Some("retention"),
    );
    let output = tenure(&[
        "forecast",
        "--db",
        db,
        "--org",
        "retention",
        "--by",
        "level",
        "--learner",
        "logistic",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // 3,770 people, 1,354 left: the other 2,416 are still employed.
    assert_eq!(result["organization"]["people"], 2416, "{result}");
    assert!(result["as_of"].is_null());
    let levels: Vec<&str> = result["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(levels.len(), 3, "{levels:?}");
    // No pay column: the cost is unknown for everyone, and said so.
    let six = &result["organization"]["horizons"][1];
    assert_eq!(
        (
            six["expected_cost"].as_f64(),
            six["people_without_pay"].as_u64()
        ),
        (Some(0.0), Some(2416))
    );

    imported(
        shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")
            .to_str()
            .unwrap(),
        example("ibm_attrition.toml").to_str().unwrap(),
        db,
        Some("ibm"),
    );
    let refused = tenure(&["forecast", "--db", db, "--org", "ibm"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("a cross-section has no dates to forecast over"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn job_retention_time_to_exit_ranks_people_at_least_as_well_as_cox() {
    let output = tenure(&[
        "evaluate",
        shared_data("job_retention.csv").to_str().unwrap(),
        "--mapping",
        example("job_retention.toml").to_str().unwrap(),
        "--folds",
        "5",
        "--seed",
        "1",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (result["n"].as_u64(), result["events"].as_u64()),
        (Some(3770), Some(1354))
    );
    // lifelines' Cox model on the same protocol: C-index 0.636 (data README).
    let c = result["c_index"].as_f64().unwrap();
    assert!(c >= 0.636, "C-index {c}: {result}");
    let brier = result["integrated_brier"].as_f64().unwrap();
    assert!(brier > 0.0 && brier < 0.25, "integrated Brier {brier}");
}

#[test]
fn survival_curves_by_group_come_with_bands_and_a_log_rank_test() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tenure.db");
    let db = db.to_str().unwrap();
    imported(
        shared_data("job_retention.csv").to_str().unwrap(),
        example("job_retention.toml").to_str().unwrap(),
        db,
        None,
    );
    let output = tenure(&["survival", "--db", db, "--by", "field", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["overall"]["people"], 3770);
    assert_eq!(result["overall"]["leavers"], 1354);
    let groups = result["groups"].as_array().unwrap();
    assert!(groups.len() >= 2, "{result}");
    for group in groups {
        let steps = group["steps"].as_array().unwrap();
        let mut previous = 1.0;
        for step in steps {
            let (s, lower, upper) = (
                step["survival"].as_f64().unwrap(),
                step["lower"].as_f64().unwrap(),
                step["upper"].as_f64().unwrap(),
            );
            assert!(s <= previous && lower <= s && s <= upper, "{step}");
            previous = s;
        }
    }
    let test = &result["log_rank"];
    assert_eq!(
        test["degrees_of_freedom"].as_u64().unwrap() as usize,
        groups.len() - 1
    );
    assert!(
        test["p_value"].as_f64().unwrap() < 0.05,
        "fields differ in the data: {test}"
    );
    let text = stdout(&tenure(&["survival", "--db", db, "--by", "level"]));
    assert!(text.contains("log-rank test: χ² ="), "{text}");
    let refused = tenure(&["survival", "--db", db, "--by", "no_such_column"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("cannot group by `no_such_column`"),
        "{}",
        stderr(&refused)
    );
}
