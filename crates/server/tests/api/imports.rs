//! The import wizard's preview over the API, on both backends: a workbook read with its
//! proposed mapping and a clean dry run; the form's choices applied (an ignored column fills
//! no role); a bad cell reported with its line and column; after an import, the next file of
//! the same columns offered that import's mapping.

use crate::support::*;
use serde_json::{json, Value};
use tenure_server::Settings;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../data/tests/fixtures")
        .join(name);
    std::fs::read(path).unwrap()
}

async fn preview(client: &Client, file: &str, bytes: Vec<u8>, extra: Vec<(&str, String)>) -> Value {
    let mut parts = vec![("file", Some(file), bytes)];
    parts.extend(
        extra
            .into_iter()
            .map(|(name, text)| (name, None, text.into_bytes())),
    );
    client
        .multipart("/api/v1/imports/preview", parts)
        .await
        .expect(200)
}

#[tokio::test]
async fn a_workbook_is_previewed_mapped_in_the_form_checked_and_its_mapping_offered_again() {
    for database in TestDatabase::all("import_preview").await {
        let server = TestServer::start(database, Settings::default()).await;
        let owner = scenarios::member_organization(&server, "preview").await;
        let workbook = fixture("successfactors_employee_data.xlsx");

        let proposed = preview(&owner, "employees.xlsx", workbook.clone(), vec![]).await;
        assert_eq!(proposed["mapping_source"], "proposed");
        assert_eq!(proposed["encoding"], "workbook");
        assert_eq!(proposed["shape"], "cross-section");
        assert_eq!(
            (proposed["rows"].as_u64(), proposed["people"].as_u64()),
            (Some(320), Some(320))
        );
        assert_eq!(proposed["errors"], json!([]));
        assert_eq!(proposed["choices"]["id"], "userId");
        assert_eq!(proposed["choices"]["target"], "employeeStatus");
        assert_eq!(
            proposed["sample"][0]["line"], 5,
            "the header sits below the report's title"
        );
        let usage = |answer: &Value, column: &str| {
            answer["choices"]["columns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == column)
                .map(|c| c["usage"].as_str().unwrap().to_owned())
                .unwrap()
        };
        assert_eq!(usage(&proposed, "terminationDate"), "ignore");
        assert_eq!(usage(&proposed, "gender"), "protected");
        assert_eq!(usage(&proposed, "department"), "input");
        let notes = proposed["columns"].to_string();
        assert!(
            notes.contains("leaks the outcome: filled only for leavers"),
            "{notes}"
        );

        // The form's choices: the department left out, so it no longer fills a role.
        let mut choices = proposed["choices"].clone();
        for column in choices["columns"].as_array_mut().unwrap() {
            if column["name"] == "department" {
                column["usage"] = json!("ignore");
            }
        }
        let edited = preview(
            &owner,
            "employees.xlsx",
            workbook.clone(),
            vec![
                (
                    "mapping",
                    proposed["mapping_toml"].as_str().unwrap().to_owned(),
                ),
                ("choices", choices.to_string()),
            ],
        )
        .await;
        assert_eq!(edited["mapping_source"], "edited");
        assert_eq!(usage(&edited, "department"), "ignore");
        let toml = edited["mapping_toml"].as_str().unwrap();
        assert!(!toml.contains("department = \"department\""), "{toml}");
        assert_eq!(edited["errors"], json!([]));

        // A kind that the cells contradict: the dry run names the line and column.
        let mut wrong = edited["choices"].clone();
        for column in wrong["columns"].as_array_mut().unwrap() {
            if column["name"] == "payGrade" {
                column["kind"] = json!("number");
            }
        }
        let refused = preview(
            &owner,
            "employees.xlsx",
            workbook.clone(),
            vec![("mapping", toml.to_owned()), ("choices", wrong.to_string())],
        )
        .await;
        let errors = refused["errors"].to_string();
        assert!(
            errors.contains("employees.xlsx:5:7 (column \\\"payGrade\\\"): expected a number"),
            "{errors}"
        );
        assert!(!errors.contains("/tmp"), "{errors}");
        assert!(refused["people"].is_null());

        // Imported with the edited mapping; the same columns again are offered it.
        let job = owner
            .multipart(
                "/api/v1/imports",
                vec![
                    ("mapping", None, toml.as_bytes().to_vec()),
                    ("file", Some("employees.xlsx"), workbook.clone()),
                ],
            )
            .await
            .expect(202)["job_id"]
            .as_i64()
            .unwrap();
        assert_eq!(owner.wait_for_job(job).await["status"], "succeeded");
        let again = preview(&owner, "employees-january.xlsx", workbook, vec![]).await;
        assert_eq!(again["mapping_source"], "stored");
        assert_eq!(usage(&again, "department"), "ignore");
        server.stop().await;
    }
}

/// A Chinese roster imported with the labels the preview proposed (加班 → "overtime",
/// 满意度 → "satisfaction"): each score's factors are said in English in those labels, never
/// in the raw Chinese column names, and in Chinese alongside.
#[tokio::test]
async fn the_proposed_labels_speak_in_the_explanations_in_both_languages() {
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(TestDatabase::sqlite(), settings).await;
    let owner = scenarios::member_organization(&server, "labels").await;
    owner.switch_on_scoring().await;
    let roster = fixture("chinese_hris_roster_gbk.csv");
    let proposed = preview(&owner, "roster.csv", roster.clone(), vec![]).await;
    let toml = proposed["mapping_toml"].as_str().unwrap().to_owned();
    assert!(
        toml.contains("[roles.labels.\"加班\"]\nen = \"overtime\""),
        "{toml}"
    );
    let job = owner
        .multipart(
            "/api/v1/imports",
            vec![
                ("mapping", None, toml.into_bytes()),
                ("file", Some("roster.csv"), roster),
            ],
        )
        .await
        .expect(202)["job_id"]
        .as_i64()
        .unwrap();
    assert_eq!(owner.wait_for_job(job).await["status"], "succeeded");
    owner
        .trained(json!({"seed": 1, "learner": "logistic"}))
        .await;
    let scores = owner.get("/api/v1/scores?per_page=500").await.expect(200);
    let factors: Vec<&Value> = scores["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            let drivers = &s["drivers"];
            let raising = drivers["raising"].as_array().unwrap().iter();
            raising.chain(drivers["holding_down"].as_array().unwrap().iter())
        })
        .collect();
    assert!(factors.len() > 100, "{}", factors.len());
    let english: Vec<&str> = factors
        .iter()
        .map(|f| f["words"].as_str().unwrap())
        .collect();
    let chinese: Vec<&str> = factors
        .iter()
        .map(|f| f["words_zh"].as_str().unwrap())
        .collect();
    for raw in ["加班", "满意度", "薪资", "职级"] {
        assert!(
            !english.iter().any(|w| w.contains(raw)),
            "English words use labels, not `{raw}`"
        );
    }
    assert!(
        english.iter().any(|w| w.starts_with("overtime: ")),
        "{english:?}"
    );
    assert!(
        chinese.iter().any(|w| w.starts_with("加班：")),
        "{chinese:?}"
    );
    assert!(
        chinese
            .iter()
            .all(|w| w.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "{chinese:?}"
    );
}

/// Safe retries of imports and training, on both backends: the same request sent again with
/// its Idempotency-Key gets the first answer (`Idempotent-Replayed: true`) and queues nothing;
/// the key reused for another file is refused; a training run asked again under a new key
/// while the first is pending joins it (409 naming its job).
#[tokio::test]
async fn imports_and_training_retried_with_their_idempotency_key_are_queued_once() {
    for database in TestDatabase::all("keyed_jobs").await {
        let settings = Settings {
            workers: 0,
            ..Settings::default()
        };
        let server = TestServer::start(database, settings).await;
        let owner = scenarios::member_organization(&server, "keyed").await;
        let workbook = fixture("successfactors_employee_data.xlsx");
        let mapping = preview(&owner, "employees.xlsx", workbook.clone(), vec![]).await
            ["mapping_toml"]
            .as_str()
            .unwrap()
            .to_owned();
        let send = |key: &'static str, file: Vec<u8>| {
            let (owner, mapping) = (&owner, mapping.clone());
            async move {
                owner
                    .multipart_with_headers(
                        "/api/v1/imports",
                        vec![
                            ("mapping", None, mapping.into_bytes()),
                            ("file", Some("employees.xlsx"), file),
                        ],
                        &[("Idempotency-Key", key)],
                    )
                    .await
            }
        };
        let first = send("import-1", workbook.clone()).await;
        assert_eq!(first.status, 202, "{}", first.body);
        assert!(first.headers.get("idempotent-replayed").is_none());
        let again = send("import-1", workbook.clone()).await;
        assert_eq!(again.status, 202, "{}", again.body);
        assert_eq!(again.body["job_id"], first.body["job_id"]);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        let mut other = workbook.clone();
        other.extend_from_slice(b"\0");
        let reused = send("import-1", other).await;
        assert_eq!(reused.status, 422, "{}", reused.body);
        assert!(reused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("different request"));

        let train = |key: &'static str| {
            let owner = &owner;
            async move {
                owner
                    .post_with_header(
                        "/api/v1/models",
                        json!({"learner": "logistic", "seed": 3}),
                        ("Idempotency-Key", key),
                    )
                    .await
            }
        };
        let trained = train("train-1").await;
        assert_eq!(trained.status, 202, "{}", trained.body);
        let retried = train("train-1").await;
        assert_eq!(retried.body["job_id"], trained.body["job_id"]);
        assert_eq!(retried.headers["idempotent-replayed"], "true");
        let joined = train("train-2").await;
        assert_eq!(joined.status, 409, "{}", joined.body);
        let job = trained.body["job_id"].as_i64().unwrap();
        assert!(joined.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("job {job}")));

        let jobs = owner.get("/api/v1/jobs?per_page=100").await.expect(200);
        let kinds: Vec<&str> = jobs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            (
                kinds.iter().filter(|k| **k == "import").count(),
                kinds.iter().filter(|k| **k == "train").count()
            ),
            (1, 1),
            "{kinds:?}"
        );
        server.stop().await;
    }
}
