//! Erasure: an erased person leaves no trace but pseudonymous audit rows.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

/// TRUST.md 10 and 24: everything held about a person can be handed to them (inputs,
/// protected attributes, scores with drivers and model versions, events, who viewed them);
/// once erased, no table names them — audit rows keep only their pseudonym, their chain
/// intact — and where others' rows named them as manager, the name is a pseudonym too.
#[tokio::test]
async fn an_erased_person_leaves_no_trace_but_pseudonymous_audit_rows() {
    for database in TestDatabase::all("an_erased_person_leaves_no_trace").await {
        let settings = Settings {
            training_threads: 1,
            ..Settings::default()
        };
        let server = TestServer::start(database, settings).await;
        let owner = member_organization(&server, "forget").await;
        let (csv, mapping) = simulated_panel(150, 9);
        owner.imported("panel.csv", &csv, &mapping).await;
        owner
            .trained(json!({"seed": 1, "learner": "logistic"}))
            .await;
        // A manager still employed: others' rows name them too.
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let manager_column = header.iter().position(|h| *h == "manager_id").unwrap();
        let managers: std::collections::HashSet<&str> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(manager_column).unwrap())
            .collect();
        let scores = owner.get("/api/v1/scores?per_page=500").await.expect(200);
        let person = scores["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["person"].as_str().unwrap().to_owned())
            .find(|p| managers.contains(p.as_str()))
            .expect("a scored manager");
        owner
            .get(&format!("/api/v1/people/{person}/score"))
            .await
            .expect(200);
        owner
            .post(
                "/api/v1/events",
                json!({"person": person, "kind": "pay_change", "values": {"pay": 1009}}),
            )
            .await
            .expect(202);
        let record = owner
            .get(&format!("/api/v1/people/{person}/record"))
            .await
            .expect(200);
        for section in [
            "snapshots",
            "protected_attributes",
            "scores",
            "events",
            "viewed_by",
        ] {
            assert!(
                !record[section].as_array().unwrap().is_empty(),
                "{section} is empty: {record}"
            );
        }
        assert!(record["scores"][0]["model_version"].is_i64());
        assert!(
            record["scores"][0]["drivers"].is_object() || record["scores"][0]["drivers"].is_array()
        );
        let viewed: Vec<&str> = record["viewed_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(viewed, ["scores.list", "score.read"]);
        assert!(record["protected_attributes"][0]["attributes"]["sex"].is_string());
        assert!(!server.rows_mentioning(&person).await.is_empty());

        let erased = owner
            .delete(&format!("/api/v1/people/{person}"))
            .await
            .expect(200);
        assert!(
            erased["rows"]["snapshots"].as_u64().unwrap() > 0,
            "{erased}"
        );
        let left = server.rows_mentioning(&person).await;
        assert!(left.is_empty(), "{person} is still named: {left:#?}");
        assert_eq!(
            owner
                .get(&format!("/api/v1/people/{person}/record"))
                .await
                .status,
            404
        );
        assert_eq!(
            owner
                .get(&format!("/api/v1/people/{person}/score"))
                .await
                .status,
            404
        );
        assert_eq!(
            owner
                .delete(&format!("/api/v1/people/{person}"))
                .await
                .status,
            404
        );
        // The audit rows stay, by pseudonym, and the chain is intact.
        let theirs = owner
            .get(&format!("/api/v1/audit?subject={person}"))
            .await
            .expect(200);
        let actions: Vec<&str> = theirs["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["scores.list", "score.read", "person.export", "person.erase"]
        );
        assert_eq!(
            owner.get("/api/v1/audit/verify").await.expect(200)["intact"],
            true
        );
        server.stop().await;
    }
}
