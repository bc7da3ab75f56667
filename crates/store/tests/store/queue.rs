//! The job queue: each job claimed once, lapsed leases passed on, retries waiting their turn,
//! suspended organizations' jobs held, and claims that never wait for the writer.

use crate::support::*;

/// Workers claiming at once each get a different job, in the order they were queued, and a
/// worker that lost its lease can neither renew nor finish the job.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workers_claim_each_job_once_and_a_lapsed_lease_passes_it_on() {
    each_backend(
        "workers_claim_each_job_once_and_a_lapsed_lease_passes_it_on",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            for n in 0..40 {
                store.enqueue_job(org, &job(n)).await.unwrap();
            }
            let lease = chrono::Duration::seconds(60);
            let claimers: Vec<_> = (0..4)
                .map(|w| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        let name = format!("worker-{w}");
                        let mut got = Vec::new();
                        while let Some(job) = store.claim_job(&name, lease).await.unwrap() {
                            store
                                .complete_job(&job, &name, serde_json::json!({"by": name}))
                                .await
                                .unwrap()
                                .unwrap();
                            got.push(job.payload["n"].as_i64().unwrap());
                        }
                        got
                    })
                })
                .collect();
            let mut all = Vec::new();
            for claimer in claimers {
                let got = claimer.await.unwrap();
                assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
                all.extend(got);
            }
            all.sort();
            assert_eq!(all, (0..40).collect::<Vec<i64>>());

            // A lease that lapses passes the job to the next worker, once more, then fails it.
            let id = store.enqueue_job(org, &job(99)).await.unwrap();
            let gone = chrono::Duration::milliseconds(-1);
            let first = store.claim_job("first", gone).await.unwrap().unwrap();
            assert_eq!((first.id, first.attempt), (id, 1));
            let second = store.claim_job("second", gone).await.unwrap().unwrap();
            assert_eq!((second.id, second.attempt), (id, 2));
            let lost = tenure_store::LeaseLost(id);
            assert_eq!(
                store.renew_lease(&first, "first", lease).await.unwrap(),
                Err(lost)
            );
            assert_eq!(
                store
                    .complete_job(&first, "first", serde_json::json!({}))
                    .await
                    .unwrap(),
                Err(lost)
            );
            assert!(store.claim_job("third", lease).await.unwrap().is_none());
            let record = store.job(org, id).await.unwrap().unwrap();
            assert_eq!(record.status, tenure_store::JobStatus::Failed);
            assert!(record.error.unwrap().contains("worker stopped"));
        },
    )
    .await;
}

/// A claim takes the waiting jobs of its first job's kind and organization with it (never
/// another organization's, never another kind), and deliveries are written with their jobs
/// already held: a holder that dies passes them on when the lease lapses.
#[tokio::test]
async fn a_claim_takes_its_kind_together_and_held_delivery_jobs_pass_on_when_their_lease_lapses() {
    each_backend(
        "a_claim_takes_its_kind_together_and_held_delivery_jobs_pass_on_when_their_lease_lapses",
        |store| async move {
            let (acme, other) = two_organizations(&store).await;
            let rescore = |n: i64| tenure_store::NewJob {
                kind: "rescore".into(),
                ..job(n)
            };
            let mut acme_jobs = Vec::new();
            for n in 0..3 {
                acme_jobs.push(store.enqueue_job(acme, &rescore(n)).await.unwrap());
            }
            let other_job = store.enqueue_job(other, &rescore(3)).await.unwrap();
            let ping = store.enqueue_job(acme, &job(4)).await.unwrap();
            let lease = chrono::Duration::seconds(60);
            let together = Some(("rescore", 10));
            let ids = |jobs: Vec<tenure_store::ClaimedJob>| -> Vec<i64> {
                jobs.into_iter().map(|j| j.id).collect()
            };
            let first = store.claim_jobs("w", lease, together).await.unwrap();
            assert_eq!(ids(first), acme_jobs);
            let second = store.claim_jobs("w", lease, together).await.unwrap();
            assert_eq!(ids(second), vec![other_job]);
            let third = store.claim_jobs("w", lease, together).await.unwrap();
            assert_eq!(ids(third), vec![ping], "another kind is claimed alone");
            assert!(store
                .claim_jobs("w", lease, together)
                .await
                .unwrap()
                .is_empty());

            let deliveries: Vec<tenure_store::NewDelivery> = (0..2)
                .map(|n| tenure_store::NewDelivery {
                    warning_id: None,
                    channel: tenure_store::Channel::Email,
                    body: serde_json::json!({ "n": n }),
                })
                .collect();
            let gone = chrono::Duration::milliseconds(-1);
            let mut write = store.begin_scoring_write(acme).await.unwrap();
            let held = write
                .create_deliveries(&deliveries, job, "dies", gone)
                .await
                .unwrap();
            write.commit().await.unwrap();
            assert_eq!(held.len(), 2);
            assert!(held.iter().all(|j| j.attempt == 1 && j.org == acme));
            let recorded = store.deliveries(acme, Some("pending"), 10).await.unwrap();
            assert_eq!(recorded.len(), 2);
            for held in &held {
                let taken = store.claim_job("next", lease).await.unwrap().unwrap();
                assert_eq!((taken.id, taken.attempt), (held.id, 2));
                assert_eq!(
                    store
                        .complete_job(held, "dies", serde_json::json!({}))
                        .await
                        .unwrap(),
                    Err(tenure_store::LeaseLost(held.id)),
                    "the holder that lost it cannot finish it"
                );
            }
        },
    )
    .await;
}

/// A job put back for later waits until then, and fails for good after its last attempt.
#[tokio::test]
async fn a_retried_job_waits_its_turn_and_fails_after_its_last_attempt() {
    each_backend(
        "a_retried_job_waits_its_turn_and_fails_after_its_last_attempt",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let id = store.enqueue_job(org, &job(1)).await.unwrap();
            let lease = chrono::Duration::seconds(60);
            let claimed = store.claim_job("w", lease).await.unwrap().unwrap();
            store
                .retry_job_later(
                    &claimed,
                    "w",
                    "receiver said 503",
                    chrono::Duration::seconds(30),
                )
                .await
                .unwrap()
                .unwrap();
            assert!(
                store.claim_job("w", lease).await.unwrap().is_none(),
                "not yet"
            );
            let record = store.job(org, id).await.unwrap().unwrap();
            assert_eq!(record.status, tenure_store::JobStatus::Queued);
            assert_eq!(record.error.as_deref(), Some("receiver said 503"));

            let id = store.enqueue_job(org, &job(2)).await.unwrap();
            let mut attempt = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!(attempt.id, id);
            store
                .retry_job_later(&attempt, "w", "503", chrono::Duration::zero())
                .await
                .unwrap()
                .unwrap();
            attempt = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!((attempt.id, attempt.attempt), (id, 2));
            store
                .retry_job_later(&attempt, "w", "503 again", chrono::Duration::zero())
                .await
                .unwrap()
                .unwrap();
            let record = store.job(org, id).await.unwrap().unwrap();
            assert_eq!(record.status, tenure_store::JobStatus::Failed);
            assert_eq!(record.error.as_deref(), Some("503 again"));
        },
    )
    .await;
}

/// The kill switch: a suspended organization's jobs wait unclaimed; others' go on.
#[tokio::test]
async fn a_suspended_organizations_jobs_wait_until_it_is_resumed() {
    each_backend(
        "a_suspended_organizations_jobs_wait_until_it_is_resumed",
        |store| async move {
            let (acme, other) = two_organizations(&store).await;
            let held = store.enqueue_job(acme, &job(1)).await.unwrap();
            let free = store.enqueue_job(other, &job(2)).await.unwrap();
            store.set_suspended(acme, true).await.unwrap();
            assert!(store.suspended_since(acme).await.unwrap().is_some());
            let lease = chrono::Duration::seconds(60);
            let claimed = store.claim_job("w", lease).await.unwrap().unwrap();
            assert_eq!(claimed.id, free);
            store
                .complete_job(&claimed, "w", serde_json::json!({}))
                .await
                .unwrap()
                .unwrap();
            assert!(store.claim_job("w", lease).await.unwrap().is_none());
            assert_eq!(store.unfinished_jobs().await.unwrap(), 0);
            store.set_suspended(acme, false).await.unwrap();
            assert_eq!(store.suspended_since(acme).await.unwrap(), None);
            assert_eq!(store.claim_job("w", lease).await.unwrap().unwrap().id, held);
        },
    )
    .await;
}

/// A worker looking at an empty queue only reads it: while another writer holds the database
/// (an import's long transaction), its claim answers "nothing to do" at once instead of
/// queueing behind the writer. Once a job is queued, the claim takes it.
#[tokio::test]
async fn a_claim_on_an_empty_queue_does_not_wait_for_the_writer() {
    each_backend(
        "a_claim_on_an_empty_queue_does_not_wait_for_the_writer",
        |store| async move {
            let org = store.ensure_organization("acme", "Acme").await.unwrap().id;
            let lease = chrono::Duration::seconds(60);
            let mut writer = store.pool_for_tests().begin().await.unwrap();
            let hold = match store.backend() {
                tenure_store::Backend::Sqlite => "UPDATE organizations SET name = name",
                tenure_store::Backend::Postgres => "LOCK TABLE jobs IN EXCLUSIVE MODE",
            };
            sqlx::query(hold).execute(&mut *writer).await.unwrap();
            let claim = store.claim_jobs("w", lease, Some(("rescore", 8)));
            let claimed = tokio::time::timeout(std::time::Duration::from_secs(3), claim)
                .await
                .expect("an empty queue's claim waited for the writer")
                .unwrap();
            assert!(claimed.is_empty());
            writer.rollback().await.unwrap();
            let id = store.enqueue_job(org, &job(1)).await.unwrap();
            assert_eq!(store.claim_job("w", lease).await.unwrap().unwrap().id, id);
            assert!(store.claim_job("w", lease).await.unwrap().is_none());
        },
    )
    .await;
}
