//! Warnings: raised once when an event raises a person's risk, delivered by webhook, e-mail and the live feed (never while the organization is suspended), then worked through to a close.

use crate::support::receivers::{signature_is_valid, SmtpServer, WebhookReceiver};
use crate::support::scenarios::*;
use crate::support::*;
use serde_json::{json, Value};

/// Issue 6: a pay cut posted as an event re-scores the person at once and its warning arrives
/// exactly once at a webhook receiver (signature checked with the receiver's own HMAC), at an
/// SMTP server and on the live feed — the first two with an opaque id and a link only. While
/// the organization is suspended (TRUST.md 14) nothing is scored and nothing delivered; once
/// resumed, the waiting work runs.
#[tokio::test]
async fn a_pay_cut_warns_once_by_webhook_email_and_live_feed_and_not_while_suspended() {
    for database in TestDatabase::all("a_pay_cut_warns_once").await {
        let server = TestServer::start(database, delivery_settings(3)).await;
        let owner = ibm_trained(&server, "ibm").await;
        let receiver = WebhookReceiver::start(0).await;
        let smtp = SmtpServer::start().await;
        let hook = owner
            .post("/api/v1/webhooks", json!({"url": receiver.url}))
            .await
            .expect(201);
        let secret = hook["secret"].as_str().unwrap().to_owned();
        assert!(owner.get("/api/v1/webhooks").await.expect(200)[0]["secret"].is_null());
        let email = json!({
            "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "security": "none",
            "from": "tenure@ibm.example", "to": ["hr@ibm.example"], "mode": "immediate",
        });
        assert_eq!(owner.put("/api/v1/email-settings", email).await.status, 204);
        let policy = json!({"rules": [{"rule": "rises_by", "points": 0.02, "days": 90}], "cooldown_days": 30});
        owner
            .put("/api/v1/warning-policy", policy.clone())
            .await
            .expect(200);
        assert_eq!(
            owner.get("/api/v1/warning-policy").await.expect(200),
            policy
        );
        let mut feed = owner.open_stream("/api/v1/warnings/stream").await;

        let people = well_paid_people_at_moderate_risk(&owner, 2).await;
        let (person, before) = people[0].clone();
        let accepted = owner
            .post("/api/v1/events", pay_cut(&person))
            .await
            .expect(202);
        assert_eq!(accepted["people_rescored"], 1);
        let job = owner
            .wait_for_job(accepted["job_id"].as_i64().unwrap())
            .await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(job["result"]["warnings_raised"], 1, "{job}");
        let after = owner
            .get(&format!("/api/v1/people/{person}/score"))
            .await
            .expect(200)["probability"]
            .as_f64()
            .unwrap();
        assert!(
            after >= before + 0.02,
            "the pay cut raised the risk: {before} → {after}"
        );

        let event = feed
            .next(10)
            .await
            .expect("the live feed carries the warning");
        assert_eq!(event.event, "warning");
        let shown: Value = serde_json::from_str(&event.data).unwrap();
        assert_eq!(shown["person"], person.as_str());
        assert!(shown["what_changed"][0]
            .as_str()
            .unwrap()
            .contains("risk rose"));
        let actions: Vec<&str> = shown["drivers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"pay_review"), "{shown}");
        let public_id = shown["id"].as_str().unwrap().to_owned();

        let hooks = receiver.wait_for(1, 10).await;
        let mails = smtp.wait_for(1, 10).await;
        // Every delivery made: nothing more is on its way.
        server.wait_for_deliveries(server.org("ibm").await).await;
        assert_eq!(receiver.received().len(), 1, "exactly one webhook delivery");
        assert_eq!(smtp.mails().len(), 1, "exactly one e-mail");
        assert!(signature_is_valid(&hooks[0], &secret));
        assert!(!signature_is_valid(&hooks[0], "whsec_wrong"));
        let body: Value = serde_json::from_slice(&hooks[0].body).unwrap();
        assert_eq!(
            body,
            json!({"type": "warning.raised", "warning": public_id, "link": format!("https://tenure.test/warnings/{public_id}")})
        );
        let mail = &mails[0];
        assert_eq!(mail.to, ["<hr@ibm.example>"]);
        assert!(mail
            .data
            .contains(&format!("https://tenure.test/warnings/{public_id}")));
        for (what, text) in [
            (
                "webhook",
                String::from_utf8_lossy(&hooks[0].body).into_owned(),
            ),
            ("e-mail", mail.data.clone()),
        ] {
            assert!(!text.contains(&person), "the {what} names nobody: {text}");
            for score in [
                after.to_string(),
                format!("{:.0}%", after * 100.0),
                "probability".into(),
                "band".into(),
            ] {
                assert!(
                    !text.contains(&score),
                    "the {what} carries no score ({score}): {text}"
                );
            }
        }
        assert!(feed.next(1).await.is_none(), "one warning, one event");

        // The kill switch: events still land, but nothing is scored or delivered.
        let org = server.org("ibm").await;
        server.store.set_suspended(org, true).await.unwrap();
        let (second, _) = people[1].clone();
        let accepted = owner
            .post("/api/v1/events", pay_cut(&second))
            .await
            .expect(202);
        let job_id = accepted["job_id"].as_i64().unwrap();
        // A job queued after it, for another organization, runs: the queue is taken oldest
        // first, so this one was passed over.
        server.a_later_job_runs().await;
        let waiting = owner
            .get(&format!("/api/v1/jobs/{job_id}"))
            .await
            .expect(200);
        assert_eq!(waiting["status"], "queued", "{waiting}");
        assert_eq!(receiver.received().len(), 1);
        assert_eq!(smtp.mails().len(), 1);
        server.store.set_suspended(org, false).await.unwrap();
        let done = owner.wait_for_job(job_id).await;
        assert_eq!(done["result"]["warnings_raised"], 1, "{done}");
        assert_eq!(receiver.wait_for(2, 10).await.len(), 2);
        assert_eq!(smtp.wait_for(2, 10).await.len(), 2);
        server.stop().await;
    }
}

/// Issue 6 and TRUST.md 13: a warning goes open → acknowledged → action recorded → closed by
/// a named reviewer with a decision and a reason; nothing moves a closed warning; dismissing
/// is always there until then; each step is kept with who and when.
#[tokio::test]
async fn a_warning_is_acknowledged_acted_on_and_closed_with_a_reviewer_and_reason() {
    for database in TestDatabase::all("a_warning_lifecycle").await {
        let server = TestServer::start(database, delivery_settings(3)).await;
        let owner = ibm_trained(&server, "ibm").await;
        let hr = server
            .join_as(&owner, "hr@ibm.example", json!({"role": "hr"}))
            .await;
        let policy = json!({"rules": [{"rule": "rises_by", "points": 0.02, "days": 90}], "cooldown_days": 30});
        owner
            .put("/api/v1/warning-policy", policy)
            .await
            .expect(200);
        let people = well_paid_people_at_moderate_risk(&owner, 2).await;
        let batch: Vec<Value> = people.iter().map(|(p, _)| pay_cut(p)).collect();
        let accepted = hr
            .post("/api/v1/events/batch", json!({"events": batch}))
            .await
            .expect(202);
        assert_eq!(accepted["event_ids"].as_array().unwrap().len(), 2);
        let job = hr.wait_for_job(accepted["job_id"].as_i64().unwrap()).await;
        assert_eq!(job["result"]["warnings_raised"], 2, "{job}");
        let open = hr.get("/api/v1/warnings?status=open").await.expect(200);
        let ids: Vec<String> = open
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids.len(), 2);
        let path = |id: &str, step: &str| format!("/api/v1/warnings/{id}/{step}");

        // Closing needs a decision and a reason.
        assert_eq!(
            hr.post(
                &path(&ids[0], "close"),
                json!({"decision": "", "reason": "x"})
            )
            .await
            .status,
            400
        );
        let acked = hr
            .post(&path(&ids[0], "acknowledge"), json!({}))
            .await
            .expect(200);
        assert_eq!(acked["status"], "acknowledged");
        assert_eq!(
            hr.post(&path(&ids[0], "acknowledge"), json!({}))
                .await
                .status,
            409
        );
        let acted = hr
            .post(&path(&ids[0], "actions"), json!({"what": "stay conversation held", "who": "HR partner", "when": "2026-11-20"}))
            .await
            .expect(200);
        assert_eq!(acted["status"], "action_recorded");
        let closed = hr
            .post(&path(&ids[0], "close"), json!({"decision": "pay review booked", "reason": "pay fell well below band after the cut"}))
            .await
            .expect(200);
        assert_eq!(closed["status"], "closed");
        assert_eq!(closed["closed_by"], hr.user_id);
        assert_eq!(closed["decision"], "pay review booked");
        let steps: Vec<&str> = closed["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["step"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["acknowledge", "record_action", "close"]);
        assert_eq!(closed["steps"][1]["detail"]["when"], "2026-11-20");
        for (step, body) in [
            ("acknowledge", json!({})),
            ("dismiss", json!({"reason": "late"})),
        ] {
            let answer = hr.post(&path(&ids[0], step), body).await;
            assert_eq!(
                answer.status, 409,
                "{step} on a closed warning: {}",
                answer.body
            );
        }
        // Dismissing (an override) straight from open, with a reason.
        let dismissed = hr
            .post(
                &path(&ids[1], "dismiss"),
                json!({"reason": "the pay change was a data error"}),
            )
            .await
            .expect(200);
        assert_eq!(dismissed["status"], "dismissed");
        assert_eq!(dismissed["reason"], "the pay change was a data error");
        // A manager never sees or moves a warning; each read by HR was audited.
        let manager = server
            .join_as(
                &owner,
                "manager@ibm.example",
                json!({"role": "manager", "manager_key": "1"}),
            )
            .await;
        assert_eq!(manager.get("/api/v1/warnings").await.status, 403);
        assert_eq!(
            manager
                .post(&path(&ids[1], "acknowledge"), json!({}))
                .await
                .status,
            403
        );
        let mut warning_reads = 0;
        let mut after = 0;
        loop {
            let page = owner
                .get(&format!("/api/v1/audit?limit=1000&after={after}"))
                .await
                .expect(200);
            warning_reads += page["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["action"] == "warning.read")
                .count();
            match page["next_after"].as_i64() {
                Some(next) => after = next,
                None => break,
            }
        }
        assert!(warning_reads >= 6, "{warning_reads} warning reads audited");
        // The oversight log an auditor exports: every step, by whom, what was decided and why,
        // naming the warning by its opaque id and never the person.
        let auditor = server
            .join_as(&owner, "auditor@ibm.example", json!({"role": "auditor"}))
            .await;
        let log = auditor.get("/api/v1/oversight-log").await.expect(200);
        let taken: Vec<(&str, &str)> = log
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["warning"].as_str().unwrap(), s["step"].as_str().unwrap()))
            .collect();
        assert_eq!(
            taken,
            [
                (ids[0].as_str(), "acknowledge"),
                (ids[0].as_str(), "record_action"),
                (ids[0].as_str(), "close"),
                (ids[1].as_str(), "dismiss"),
            ]
        );
        assert_eq!(log[2]["by_user"], hr.user_id);
        assert_eq!(log[2]["by_name"], "Member");
        assert!(log
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("person").is_none()));
        let file = auditor.get_text("/api/v1/oversight-log?format=csv").await;
        assert!(
            file.contains(",close,")
                && file.contains("pay review booked,pay fell well below band after the cut")
                && file.contains("the pay change was a data error"),
            "{file}"
        );
        assert!(
            file.starts_with("warning,raised_at,step,by_user,by_name,at,"),
            "{file}"
        );
        assert_eq!(manager.get("/api/v1/oversight-log").await.status, 403);
        let refused = auditor.get("/api/v1/oversight-log?format=xml").await;
        assert_eq!(refused.status, 400);
        assert!(refused.body.to_string().contains("expected csv or json"));
        // Events about unknown people, or columns the data lacks, are refused whole.
        let bad = hr
            .post(
                "/api/v1/events/batch",
                json!({"events": [pay_cut(&people[0].0), pay_cut("no-such-person")]}),
            )
            .await;
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(
            bad.body["message"]
                .as_str()
                .unwrap_or_default()
                .contains("no-such-person")
                || bad.body.to_string().contains("no-such-person"),
            "{}",
            bad.body
        );
        let wrong = hr
            .post(
                "/api/v1/events",
                json!({"person": people[0].0, "kind": "pay_change", "values": {"pay": "a lot"}}),
            )
            .await;
        assert_eq!(
            wrong.status, 422,
            "a column's type is the data's, not the schema's"
        );
        assert!(
            wrong.body.to_string().contains("MonthlyIncome"),
            "{}",
            wrong.body
        );
        server.stop().await;
    }
}

/// Issue 24: HR's capacity is part of the warning policy. The default warns the highest risks
/// within 2.75% of the people a month; a capacity out of range, or the highest-risks rule
/// with no capacity, is refused with what to write; a fixed number per department is kept.
#[tokio::test]
async fn the_warning_policy_holds_hrs_capacity() {
    for database in TestDatabase::all("the_warning_policy_holds_hrs_capacity").await {
        let server = TestServer::start(database, delivery_settings(1)).await;
        let owner = server.sign_up("acme", "owner@acme.example").await;
        let default = owner.get("/api/v1/warning-policy").await.expect(200);
        assert_eq!(default["rules"][0]["rule"], "highest_risks");
        assert_eq!(default["capacity"]["share_per_month"], 0.0275);
        assert_eq!(default["capacity"]["reserve_for_rises"], 0.2);
        let uncapped = json!({"rules": [{"rule": "highest_risks"}], "cooldown_days": 30});
        let refused = owner
            .put("/api/v1/warning-policy", uncapped)
            .await
            .expect(422);
        assert!(
            refused
                .to_string()
                .contains("say how many conversations HR can hold a month"),
            "{refused}"
        );
        let too_many = json!({"rules": [{"rule": "highest_risks"}], "cooldown_days": 30,
            "capacity": {"share_per_month": 0.9}});
        let refused = owner
            .put("/api/v1/warning-policy", too_many)
            .await
            .expect(400);
        assert!(refused.to_string().contains("not 0.9"), "{refused}");
        let bad_team = json!({"rules": [{"rule": "team_worsens", "days": 90, "ratio": 0.8, "leavers": 1.0}], "cooldown_days": 30});
        let refused = owner
            .put("/api/v1/warning-policy", bad_team)
            .await
            .expect(400);
        assert!(refused.to_string().contains("not 0.8"), "{refused}");
        let per_department = json!({"rules": [{"rule": "highest_risks"}, {"rule": "team_worsens", "days": 90, "ratio": 1.5, "leavers": 1.0}], "cooldown_days": 14,
            "capacity": {"share_per_month": 0.02, "conversations_per_month": 12, "per_department": true, "reserve_for_rises": 0.25}});
        owner
            .put("/api/v1/warning-policy", per_department.clone())
            .await
            .expect(200);
        assert_eq!(
            owner.get("/api/v1/warning-policy").await.expect(200),
            per_department
        );
        server.stop().await;
    }
}

/// Issue 24: bands by rank. Set to the top 5% and the next 15%, the next scoring run puts
/// exactly those shares of the people scored in High and Medium, shown beside the base rate;
/// fixed thresholds replace them; a change that is neither, or out of range, is refused.
#[tokio::test]
async fn relative_bands_hold_their_shares_of_the_people() {
    for database in TestDatabase::all("relative_bands_hold_their_shares").await {
        let server = TestServer::start(database, delivery_settings(1)).await;
        let owner = simulated_trained(&server, "acme", 300).await;
        let fixed = owner.get("/api/v1/risk-bands").await.expect(200);
        assert_eq!(
            (fixed["high"].as_f64(), fixed["relative"].is_null()),
            (Some(0.25), true)
        );
        let relative = json!({"relative": {"top": 0.05, "next": 0.15}});
        let set = owner.put("/api/v1/risk-bands", relative).await.expect(200);
        assert_eq!(set["relative"], json!({"top": 0.05, "next": 0.15}));
        owner.scored_everyone().await;
        let bands = owner.get("/api/v1/risk-bands").await.expect(200);
        let count = |band: &str| bands["scored"][band].as_u64().unwrap() as f64;
        let scored = count("people") - count("not_enough_data");
        assert_eq!(count("high"), (0.05 * scored).round(), "{bands}");
        assert_eq!(
            count("high") + count("medium"),
            (0.2 * scored).round(),
            "{bands}"
        );
        let base_rate = bands["scored"]["base_rate"].as_f64().unwrap();
        assert!(
            base_rate > 0.0 && base_rate < bands["medium"].as_f64().unwrap(),
            "{bands}"
        );
        assert!(bands["high"].as_f64() > bands["medium"].as_f64(), "{bands}");
        // The settings page shows the bands beside the base rate.
        let page = owner.get_text("/settings").await;
        assert!(page.contains("id=\"base-rate\""), "{page}");

        let back = owner
            .put("/api/v1/risk-bands", json!({"high": 0.3, "medium": 0.1}))
            .await
            .expect(200);
        assert_eq!(
            (back["high"].as_f64(), back["relative"].is_null()),
            (Some(0.3), true)
        );
        // A share out of the schema's range is a 400; rules across fields (one kind of band,
        // medium under high) are 422s.
        for (bad, status) in [
            (json!({"relative": {"top": 0.7, "next": 0.1}}), 400),
            (
                json!({"relative": {"top": 0.05, "next": 0.1}, "high": 0.3}),
                422,
            ),
            (json!({"high": 0.1, "medium": 0.3}), 422),
            (json!({}), 422),
        ] {
            let refused = owner
                .put("/api/v1/risk-bands", bad.clone())
                .await
                .expect(status);
            assert!(refused["error"]["message"].is_string(), "{bad}: {refused}");
        }
        server.stop().await;
    }
}

/// Issue 24: actions recorded with their kind are followed, once the data passes the horizon,
/// into "what helped" — each kind against comparable warnings with none, with its interval
/// and the caveat — on the API and the page; a kind that is not one is refused, saying which.
#[tokio::test]
async fn actions_recorded_with_their_kind_are_followed_into_what_helped() {
    let server = TestServer::start(
        TestDatabase::sqlite(),
        tenure_server::Settings {
            training_threads: 1,
            ..tenure_server::Settings::default()
        },
    )
    .await;
    let owner = crate::support::scenarios::member_organization(&server, "helped").await;
    let (csv, mapping) = crate::support::scenarios::simulated_months(600, 42, 4);
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let month_of = |row: &str| row.split(',').nth(1).unwrap().to_owned();
    let mut months: Vec<String> = rows.iter().map(|r| month_of(r)).collect();
    months.sort();
    months.dedup();
    let file = |keep: &dyn Fn(&str) -> bool| {
        let mut text = format!("{header}\n");
        for row in rows.iter().filter(|r| keep(&month_of(r))) {
            text.push_str(row);
            text.push('\n');
        }
        text
    };
    let warned_month = months[33].clone();
    // A hold-out is at most half the warnings; off unless asked for.
    let refused = owner
        .put(
            "/api/v1/warning-policy",
            json!({"rules": [{"rule": "enters_high"}], "cooldown_days": 30, "holdout_share": 0.9}),
        )
        .await
        .expect(400);
    assert!(refused.to_string().contains("hold-out share"), "{refused}");
    let settings = owner.get_text("/settings").await;
    assert!(settings.contains("name=\"holdout_share\""));
    owner
        .imported(
            "history.csv",
            &file(&|m| m < warned_month.as_str()),
            &mapping,
        )
        .await;
    owner
        .trained(json!({"seed": 1, "learner": "logistic"}))
        .await;
    owner
        .imported(
            "month.csv",
            &file(&|m| m == warned_month.as_str()),
            &mapping,
        )
        .await;
    // The import queues the month's scoring, which warns within the default capacity.
    let mut warnings = Vec::new();
    for _ in 0..600 {
        let listed = owner.get("/api/v1/warnings?limit=100").await.expect(200);
        warnings = listed.as_array().unwrap().clone();
        if !warnings.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(warnings.len() >= 8, "{} warnings", warnings.len());

    let first = warnings[0]["id"].as_str().unwrap();
    owner
        .post(&format!("/api/v1/warnings/{first}/acknowledge"), json!({}))
        .await
        .expect(200);
    let refused = owner
        .post(
            &format!("/api/v1/warnings/{first}/actions"),
            json!({"what": "talked", "kind": "confrontation"}),
        )
        .await
        .expect(400);
    let message = refused["error"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
        + refused["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("\"confrontation\"") && message.contains("pay_review"),
        "{refused}"
    );
    let mut reviewed = 0;
    for (i, warning) in warnings.iter().enumerate() {
        if i % 2 == 1 {
            continue; // nothing recorded on every other warning
        }
        let id = warning["id"].as_str().unwrap();
        if i > 0 {
            owner
                .post(&format!("/api/v1/warnings/{id}/acknowledge"), json!({}))
                .await
                .expect(200);
        }
        let recorded = owner
            .post(
                &format!("/api/v1/warnings/{id}/actions"),
                json!({"what": "pay review requested", "kind": "pay_review"}),
            )
            .await
            .expect(200);
        assert_eq!(recorded["status"], "action_recorded");
        reviewed += 1;
    }
    // Before the horizon has passed in the data, nothing is known.
    let early = owner.get("/api/v1/what-helped").await.expect(200);
    assert_eq!(early["pending"], warnings.len(), "{early:#}");
    assert_eq!(early["effects"], json!([]));

    owner
        .imported("rest.csv", &file(&|m| m > warned_month.as_str()), &mapping)
        .await;
    let helped = owner.get("/api/v1/what-helped").await.expect(200);
    assert_eq!(helped["pending"], 0, "{helped:#}");
    assert_eq!(helped["horizon_months"], 6);
    let known = helped["followed"].as_u64().unwrap() + helped["involuntary"].as_u64().unwrap();
    assert_eq!(known, warnings.len() as u64, "{helped:#}");
    let effect = &helped["effects"][0];
    assert_eq!(effect["action"], "pay_review", "{helped:#}");
    assert!(effect["warned"].as_u64().unwrap() as usize <= reviewed);
    let (low, difference, high) = (
        effect["low"].as_f64().unwrap(),
        effect["difference"].as_f64().unwrap(),
        effect["high"].as_f64().unwrap(),
    );
    assert!(low <= difference && difference <= high, "{effect}");
    assert!(helped["no_action_warned"].as_u64().unwrap() > 0);
    assert!(helped["caveat"].as_str().unwrap().contains("Observational"));

    let page = owner.get_text("/what-helped").await;
    assert!(
        page.contains("Pay review") && page.contains("not an experiment"),
        "{page}"
    );
    let inbox = owner.get_text("/warnings").await;
    assert!(inbox.contains("href=\"/what-helped\""));
    let detail = owner.get_text(&format!("/warnings/{first}")).await;
    assert!(
        detail.contains("name=\"kind\""),
        "the action form asks for the kind"
    );
    server.stop().await;
}
