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

/// Issue 28: a person's objection, recorded on their behalf, is honoured by every path — their
/// scores and open warnings go at once, a scoring run, an HR event and a what-if leave them
/// unscored — and withdrawn, the next scoring run scores them again.
#[tokio::test]
async fn an_objection_is_honoured_by_every_scoring_path_until_it_is_withdrawn() {
    let server = TestServer::start(
        TestDatabase::sqlite(),
        Settings {
            training_threads: 1,
            ..Settings::default()
        },
    )
    .await;
    let owner = simulated_trained(&server, "objects", 300).await;
    let scored = |scores: &serde_json::Value, person: &str| {
        scores["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["person"] == person)
    };
    let everyone = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
    let person = everyone["items"][0]["person"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/people/{person}/objection");
    assert_eq!(owner.get(&path).await.expect(200)["objected"], false);
    let hr = server
        .join_as(&owner, "hr@objects.example", json!({"role": "hr"}))
        .await;
    assert_eq!(hr.put(&path, json!({"objected": true})).await.status, 403);

    let objected = owner
        .put(&path, json!({"objected": true}))
        .await
        .expect(200);
    assert_eq!(objected["objected"], true);
    assert!(objected["objected_at"].is_string());
    let after = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
    assert!(!scored(&after, &person), "the scores went at once");
    let record = owner
        .get(&format!("/api/v1/people/{person}/record"))
        .await
        .expect(200);
    assert_eq!(
        record["objected_at"], objected["objected_at"],
        "the export says so"
    );
    assert_eq!(record["scores"], json!([]));
    assert_eq!(
        owner
            .get(&format!("/api/v1/people/{person}/score"))
            .await
            .status,
        404
    );

    // A scoring run over everyone.
    owner.scored_everyone().await;
    let after = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
    assert!(!scored(&after, &person), "a scoring run left them out");
    assert!(after["items"].as_array().unwrap().len() >= 200);

    // An HR event about them.
    let event = json!({"person": person, "kind": "pay_change", "values": {"pay": 1000}});
    let accepted = owner.post("/api/v1/events", event).await.expect(202);
    let job = owner
        .wait_for_job(accepted["job_id"].as_i64().unwrap())
        .await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let after = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
    assert!(!scored(&after, &person), "an event did not score them");
    let warnings = owner.get("/api/v1/warnings").await.expect(200);
    assert!(
        warnings
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["person"] == person.as_str())
            .all(|w| w["status"] == "dismissed"),
        "{warnings}"
    );

    // A what-if about them.
    let tried = owner
        .post(
            &format!("/api/v1/people/{person}/what-if"),
            json!({"pay_change_percent": 10}),
        )
        .await;
    assert_eq!(tried.status, 409, "{}", tried.body);
    assert!(tried.body.to_string().contains("objected"));

    // A model trained now learns nothing from them.
    let before = owner.get("/api/v1/models").await.expect(200);
    let people_before = before[0]["card"]["data"]["people"].as_u64();
    owner
        .trained(json!({"seed": 1, "learner": "logistic"}))
        .await;
    let models = owner.get("/api/v1/models").await.expect(200);
    let card = &models[0];
    assert_eq!(
        card["version"].as_i64(),
        before[0]["version"].as_i64().map(|v| v + 1)
    );
    assert_eq!(card["card"]["data"]["objectors_excluded"], 1, "{card}");
    assert_eq!(
        card["card"]["data"]["people"].as_u64().map(|n| n + 1),
        people_before,
        "one person fewer than before the objection"
    );

    // Withdrawn: the next run scores them again.
    let withdrawn = owner
        .put(&path, json!({"objected": false}))
        .await
        .expect(200);
    assert_eq!(withdrawn["objected"], false);
    owner.scored_everyone().await;
    let after = owner.get("/api/v1/scores?per_page=1000").await.expect(200);
    assert!(scored(&after, &person), "scored again once withdrawn");
    // Both are in the audit log.
    let mut actions = Vec::new();
    let mut after = 0;
    loop {
        let page = owner
            .get(&format!("/api/v1/audit?limit=1000&after={after}"))
            .await
            .expect(200);
        actions.extend(
            page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["action"].as_str().unwrap().to_owned())
                .filter(|a| a.starts_with("person.objection")),
        );
        match page["next_after"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    assert_eq!(actions, ["person.objection", "person.objection_withdrawn"]);
    server.stop().await;
}
