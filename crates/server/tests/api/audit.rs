//! The audit of reads: every read of a score is recorded once, in a hash chain that shows tampering.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

/// TRUST.md 8–9: each read of a person's score writes one audit row; the chain detects tampering.
#[tokio::test]
async fn reads_of_scores_are_audited_in_a_chain_that_detects_tampering() {
    for database in
        TestDatabase::all("reads_of_scores_are_audited_in_a_chain_that_detects_tampering").await
    {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = member_organization(&server, "audit").await;
        server.seed_scores("audit", "p", 12, 1).await;
        let hr = server
            .join_as(&owner, "hr@audit.example", json!({"role": "hr"}))
            .await;
        let read = hr.get("/api/v1/people/p-005/score").await;
        let person = read.clone().expect(200);
        assert_eq!(person["person"], "p-005");
        assert!(person["drivers"]["raising"].is_array());
        let page = hr.get("/api/v1/scores?per_page=3").await.expect(200);
        assert_eq!(page["items"].as_array().unwrap().len(), 3);
        // Aggregates are not individual reads.
        hr.get("/api/v1/summary").await.expect(200);
        let log = owner.get("/api/v1/audit").await.expect(200);
        let rows = log["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 4, "{log}");
        // Rows name the person by pseudonym only (erasing them later leaves the row true);
        // the log can still be searched by their key.
        let pseudonym = rows[0]["subject"].as_str().unwrap().to_owned();
        assert!(pseudonym.starts_with("pseud_") && !pseudonym.contains("p-005"));
        let theirs = owner.get("/api/v1/audit?subject=p-005").await.expect(200);
        assert_eq!(theirs["rows"].as_array().unwrap().len(), 1, "{theirs}");
        assert_eq!(theirs["rows"][0]["subject"], pseudonym.as_str());
        assert_eq!(rows[0]["action"], "score.read");
        assert_eq!(rows[0]["actor"], format!("user:{}", hr.user_id));
        assert_eq!(rows[0]["request_id"].as_str(), read.request_id.as_deref());
        assert!(rows[1..].iter().all(|r| r["action"] == "scores.list"));
        let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
        assert_eq!(
            (verdict["intact"].as_bool(), verdict["rows"].as_i64()),
            (Some(true), Some(4))
        );
        let csv = owner.get_text("/api/v1/audit/export").await;
        assert_eq!(csv.lines().count(), 5, "{csv}");
        assert!(csv.lines().nth(1).unwrap().contains(&pseudonym));
        assert!(!csv.contains("p-005"));

        // Append-only: the database itself refuses updates and deletes.
        assert!(server
            .raw_execute("UPDATE audit_log SET subject = 'p-001' WHERE seq = 1")
            .await
            .is_err());
        assert!(server
            .raw_execute("DELETE FROM audit_log WHERE seq = 2")
            .await
            .is_err());
        // Someone with the power to drop the guard edits a row: verification finds it.
        server.drop_audit_guard().await;
        server
            .raw_execute("UPDATE audit_log SET subject = 'p-001' WHERE seq = 1")
            .await
            .unwrap();
        let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
        assert_eq!(
            (verdict["intact"].as_bool(), verdict["broken_at"].as_i64()),
            (Some(false), Some(1)),
            "{verdict}"
        );
        server
            .raw_execute(&format!(
                "UPDATE audit_log SET subject = '{pseudonym}' WHERE seq = 1"
            ))
            .await
            .unwrap();
        assert_eq!(
            owner.get("/api/v1/audit/verify").await.expect(200)["intact"],
            true
        );
        // A removed row breaks the chain at the row after it.
        server
            .raw_execute("DELETE FROM audit_log WHERE seq = 2")
            .await
            .unwrap();
        let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
        assert_eq!(
            (verdict["intact"].as_bool(), verdict["broken_at"].as_i64()),
            (Some(false), Some(3)),
            "{verdict}"
        );
        server.stop().await;
    }
}

/// Concurrent reads are all audited, each once, in one unbroken chain (group commit).
#[tokio::test]
async fn concurrent_reads_are_each_audited_once() {
    let server = TestServer::start(TestDatabase::sqlite(), Settings::default()).await;
    let owner = member_organization(&server, "busy").await;
    server.seed_scores("busy", "q", 10, 1).await;
    let reads = (0..60).map(|n| {
        let owner = owner.clone();
        async move {
            owner
                .get(&format!("/api/v1/people/q-{:03}/score", n % 10))
                .await
                .status
        }
    });
    let statuses = futures_join_all(reads).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let verdict = owner.get("/api/v1/audit/verify").await.expect(200);
    assert_eq!(
        (verdict["intact"].as_bool(), verdict["rows"].as_i64()),
        (Some(true), Some(60))
    );
    server.stop().await;
}
