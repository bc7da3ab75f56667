//! The bias audit in Local Law 144's form (issue 28): on the IBM file, scoring rates and
//! impact ratios by Gender, by MaritalStatus and by their intersection (the stand-in for race,
//! which the file does not hold) match a hand computation from the scores the API gives and
//! the file's own columns, with the 2% rule; the CSV to publish and the auditor's page carry
//! the same figures.

use crate::support::scenarios::ibm_trained;
use crate::support::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use tenure_server::Settings;

#[tokio::test]
async fn the_bias_audit_matches_a_hand_computation_on_the_ibm_file() {
    let server = TestServer::start(
        TestDatabase::sqlite(),
        Settings {
            training_threads: 1,
            ..Settings::default()
        },
    )
    .await;
    let owner = ibm_trained(&server, "bias").await;
    let auditor = server
        .join_as(&owner, "auditor@bias.example", json!({"role": "auditor"}))
        .await;
    owner.get("/api/v1/models/1/bias-audit").await.expect(403);

    // By hand: every score the API gives, the threshold, and the file's own columns.
    let threshold = owner.get("/api/v1/risk-bands").await.expect(200)["high"]
        .as_f64()
        .unwrap();
    let mut probability: HashMap<String, f64> = HashMap::new();
    for page in 1..=4 {
        let scores = owner
            .get(&format!("/api/v1/scores?per_page=500&page={page}"))
            .await
            .expect(200);
        for s in scores["items"].as_array().unwrap() {
            if let Some(p) = s["probability"].as_f64() {
                probability.insert(s["person"].as_str().unwrap().to_owned(), p);
            }
        }
    }
    let csv =
        std::fs::read_to_string(shared_data("WA_Fn-UseC_-HR-Employee-Attrition.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, gender, marital) = (
        column("EmployeeNumber"),
        column("Gender"),
        column("MaritalStatus"),
    );
    // category → (people, scored above), per dimension.
    let mut by_hand: BTreeMap<&str, BTreeMap<String, (usize, usize)>> = BTreeMap::new();
    let mut people = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let Some(p) = probability.get(cells[id]) else {
            continue;
        };
        people += 1;
        let above = usize::from(*p >= threshold);
        for (dimension, category) in [
            ("Gender", cells[gender].to_owned()),
            ("MaritalStatus", cells[marital].to_owned()),
            (
                "Gender × MaritalStatus",
                format!("{} × {}", cells[gender], cells[marital]),
            ),
        ] {
            let tally = by_hand
                .entry(dimension)
                .or_default()
                .entry(category)
                .or_default();
            tally.0 += 1;
            tally.1 += above;
        }
    }
    // Everyone still employed (the file's leavers are not scored).
    assert_eq!(people, probability.len());
    assert_eq!(people, 1233);

    let audit = auditor.get("/api/v1/models/1/bias-audit").await.expect(200);
    assert_eq!(audit["people"], people);
    assert_eq!(audit["small_category_share"], 0.02);
    let dimensions = audit["dimensions"].as_array().unwrap();
    let names: Vec<&str> = dimensions
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Gender", "MaritalStatus", "Gender × MaritalStatus"],
        "Age is not a category"
    );
    for d in dimensions {
        let hand = &by_hand[d["name"].as_str().unwrap()];
        // The 2% rule, by hand: categories under 2% of the people stay out of the ratios.
        let kept = |n: usize| n as f64 / people as f64 >= 0.02;
        let highest = hand
            .values()
            .filter(|(n, _)| kept(*n))
            .map(|(n, a)| *a as f64 / *n as f64)
            .fold(0.0, f64::max);
        assert!(highest > 0.0);
        let categories = d["categories"].as_array().unwrap();
        assert_eq!(categories.len(), hand.len(), "{d}");
        for c in categories {
            let (n, above) = hand[c["category"].as_str().unwrap()];
            assert_eq!(c["people"], n, "{c}");
            assert_eq!(c["scored_above"], above, "{c}");
            let rate = above as f64 / n as f64;
            assert!(
                (c["scoring_rate"].as_f64().unwrap() - rate).abs() < 1e-12,
                "{c}"
            );
            assert_eq!(c["excluded"], !kept(n), "{c}");
            match c["impact_ratio"].as_f64() {
                Some(ratio) => assert!((ratio - rate / highest).abs() < 1e-12, "{c}"),
                None => assert!(!kept(n), "{c}"),
            }
        }
    }
    // The sex scored above more often is the reference: its ratio is exactly 1.
    let gender_ratios: Vec<f64> = dimensions[0]["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["impact_ratio"].as_f64().unwrap())
        .collect();
    assert!(gender_ratios.contains(&1.0), "{gender_ratios:?}");

    // The file to publish, and the auditor's page, say the same.
    let file = auditor
        .get_text("/api/v1/models/1/bias-audit?format=csv")
        .await;
    let female = &dimensions[0]["categories"][0];
    let row = format!(
        "Gender,{},{},{:.4},{},{:.4},{:.4},false",
        female["category"].as_str().unwrap(),
        female["people"],
        female["share_of_data"].as_f64().unwrap(),
        female["scored_above"],
        female["scoring_rate"].as_f64().unwrap(),
        female["impact_ratio"].as_f64().unwrap()
    );
    assert!(file.contains(&row), "{row} in {file}");
    assert!(file.starts_with("# Bias audit (NYC Local Law 144 form), model version 1"));
    let page = auditor.get_text("/bias-audit").await;
    assert!(page.contains("Gender × MaritalStatus") && page.contains("format=csv"));
    assert_eq!(owner.page("/bias-audit").await.status, 403);
    let refused: Value = auditor
        .get("/api/v1/models/1/bias-audit?format=xml")
        .await
        .expect(400);
    assert!(refused
        .to_string()
        .contains("expected json, csv, html, markdown or pdf"));

    // The document to publish, in both languages, as HTML and PDF, with the same figures.
    let ratio = format!("{:.3}", female["impact_ratio"].as_f64().unwrap());
    let html = auditor
        .get_text("/api/v1/models/1/bias-audit?format=html")
        .await;
    assert!(html.contains("Bias audit: tenure attrition model, version 1"));
    assert!(html.contains("1,233 people"), "the people audited");
    assert!(
        html.contains("Gender × MaritalStatus") && html.contains(&ratio),
        "{ratio}"
    );
    let chinese = auditor
        .get_text("/api/v1/models/1/bias-audit?format=html&lang=zh-CN")
        .await;
    assert!(chinese.contains("偏差审计") && chinese.contains(&ratio));
    for (lang, title) in [("en", "Bias audit"), ("zh-CN", "偏差审计")] {
        let pdf = auditor
            .page(&format!(
                "/api/v1/models/1/bias-audit?format=pdf&lang={lang}"
            ))
            .await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.content_type, "application/pdf");
        let (_, text, _) = crate::documents::read_pdf(&pdf.body, "audit.pdf");
        assert!(
            text.contains(title) && text.contains(&ratio),
            "{lang}: {text}"
        );
    }
    server.stop().await;
}
