//! The dashboard's pages over HTTP: real figures in the viewer's language, and the report's export.

use crate::support::scenarios::*;
use crate::support::*;
use serde_json::json;
use tenure_server::Settings;

#[tokio::test]
async fn the_dashboard_shows_real_figures_in_the_viewers_language_and_exports_the_report() {
    let database = TestDatabase::sqlite();
    let settings = Settings {
        training_threads: 1,
        ..Settings::default()
    };
    let server = TestServer::start(database, settings).await;
    // Nobody signed in is sent to sign in, and brought back.
    let anonymous = server.client("anonymous");
    let answer = anonymous.page("/reports").await;
    assert_eq!(answer.status, 303);
    assert_eq!(answer.location.as_deref(), Some("/signin?next=/reports"));
    let signin = anonymous.page("/signin?next=/reports").await;
    assert_eq!(signin.status, 200);
    assert!(signin.text().contains(r#"data-next="/reports""#));
    assert!(anonymous
        .page("/signin?next=//evil.example")
        .await
        .text()
        .contains(r#"data-next="/""#));
    let owner = simulated_trained(&server, "pages", 300).await;
    let summary = owner.get("/api/v1/summary").await.expect(200);
    let headcount = summary["figures"]["people"].as_u64().unwrap() as usize;
    let high = summary["figures"]["high"].as_u64().unwrap() as usize;

    let overview = owner.page("/").await;
    assert_eq!(overview.status, 200);
    assert!(overview.content_type.starts_with("text/html"));
    let html = overview.text();
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("pages Ltd"));
    // The figures are the API's: headcount and high band, and a forecast at 3, 6, 12 months.
    let headcount_shown = format!(
        "<dt>Headcount</dt><dd>{}</dd>",
        tenure_report::Locale::En.count(headcount)
    );
    assert!(
        html.contains(&headcount_shown),
        "{headcount_shown} in {html}"
    );
    assert!(html.contains(&format!("<dt>High</dt><dd>{high}</dd>")));
    for months in [3, 6, 12] {
        assert!(
            html.contains(&format!(
                "<dt>Expected voluntary leavers, {months} months</dt>"
            )),
            "{months}"
        );
    }
    assert!(html.contains("Attrition trend") && html.contains("<svg"));
    // The headline: regretted leavers (rated above the median) to expect in 12 months, and
    // what replacing them costs.
    assert!(
        html.contains("<dt>Regretted leavers to expect, 12 months</dt>")
            && html.contains("cost of replacing them"),
        "{html}"
    );
    for fetched in [
        "src=\"http",
        "href=\"http",
        "url(http",
        "src=\"//",
        "href=\"//",
    ] {
        assert!(!html.contains(fetched), "nothing from elsewhere: {fetched}");
    }

    // The report downloads as HTML and PDF.
    let report = owner.page("/reports/attrition.html").await;
    assert_eq!(report.status, 200);
    assert!(report
        .disposition
        .clone()
        .unwrap()
        .starts_with("attachment; filename=\"attrition-pages-"));
    let text = report.text();
    assert!(text.contains("<style>") && text.contains("Departments") && text.contains("Managers"));
    assert!(
        text.contains("id=\"regretted\"") && text.contains("strong performers and critical roles")
    );
    let pdf = owner.page("/reports/attrition.pdf").await;
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.body.starts_with(b"%PDF-"));

    // What-if: changes the caller can get wrong are refused plainly, and nothing is saved.
    let person = owner.get("/api/v1/scores?per_page=1").await.expect(200)["items"][0]["person"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/people/{person}/what-if");
    let stored = owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    let refused = owner
        .post(&path, json!({"set": {"no_such_column": 1}}))
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no_such_column is not a numeric column without a role"),
        "{}",
        refused.body
    );
    let refused = owner.post(&path, json!({"set": {"annual_pay": 1}})).await;
    assert_eq!(
        refused.status, 422,
        "a role's column goes through its own change"
    );
    let refused = owner.post(&path, json!({})).await;
    assert_eq!(refused.status, 422);
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no change given"));
    let tried = owner
        .post(
            &path,
            json!({"pay_change_percent": 10, "set": {"overtime_hours": 5}}),
        )
        .await
        .expect(200);
    assert_eq!(tried["before"], stored["probability"]);
    assert_eq!(tried["applied"].as_array().unwrap().len(), 2, "{tried}");
    let after = owner
        .get(&format!("/api/v1/people/{person}/score"))
        .await
        .expect(200);
    assert_eq!(after["probability"], stored["probability"], "nothing saved");
    assert_eq!(after["input_hash"], stored["input_hash"]);

    // The owner chooses Chinese: every later page is in Chinese.
    assert_eq!(
        owner
            .put("/api/v1/me/locale", json!({"locale": "fr"}))
            .await
            .status,
        400
    );
    owner
        .put("/api/v1/me/locale", json!({"locale": "zh-CN"}))
        .await
        .expect(200);
    let html = owner.page("/").await.text();
    assert!(html.contains(r#"<html lang="zh-CN">"#));
    assert!(html.contains("概览") && html.contains("在职人数"));
    let html = owner.page("/reports/attrition.html").await.text();
    assert!(html.contains("离职分析报告"));

    // A manager sees their reach's figures, and no organization-wide report.
    let manager = server
        .join_as(
            &owner,
            "boss@pages.example",
            json!({"role": "manager", "manager_key": "E00001"}),
        )
        .await;
    let page = manager.page("/").await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains("Attrition trend"));
    assert!(
        !page.text().contains(r#"href="/reports""#),
        "no link to what they may not open"
    );
    assert_eq!(manager.page("/reports").await.status, 403);
    // Their team view is over their own reporting line, without a way down to individuals.
    let teams = manager.page("/teams").await;
    assert_eq!(teams.status, 200);
    assert!(
        !teams.text().contains("href=\"/people"),
        "managers see aggregates only"
    );
    let teams = owner.page("/teams").await.text();
    assert!(teams.contains("id=\"heatmap\"") && teams.contains("Engineering"));
    // Department totals are the people list's, and each drill-down lists only that department.
    let listed = owner
        .get("/api/v1/scores?department=Engineering&per_page=500")
        .await
        .expect(200);
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["department"] == "Engineering"));
    assert!(listed["total"].as_u64().unwrap() > 0);
    assert_eq!(manager.page("/reports/attrition.pdf").await.status, 403);
    server.stop().await;
}
