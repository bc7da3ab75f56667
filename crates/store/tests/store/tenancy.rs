//! Per-tenant isolation in the store: organizations never see each other's rows, and every tenant-
//! owned table carries `org_id`.

use crate::support::*;
use tenure_domain::Value;

#[tokio::test]
async fn organizations_never_see_each_others_rows() {
    each_backend(
        "organizations_never_see_each_others_rows",
        |store| async move {
            let a = store.ensure_organization("a", "A").await.unwrap().id;
            let b = store.ensure_organization("b", "B").await.unwrap().id;
            write(&store, a, &[snapshot("7", 1, 100.0, false)], REFUSE)
                .await
                .unwrap();
            let in_b = write(&store, b, &[snapshot("7", 1, 999.0, false)], REFUSE)
                .await
                .unwrap();
            assert_eq!(
                in_b.rows_added, 1,
                "the same person id in another organization is another person"
            );
            assert_eq!(
                store.snapshots(a).await.unwrap()[0].snapshot.values["pay"],
                Value::Number(100.0)
            );
            assert_eq!(store.counts(b).await.unwrap().snapshots, 1);
            assert!(store
                .imports(b)
                .await
                .unwrap()
                .iter()
                .all(|i| i.rows_added == 1));
        },
    )
    .await;
}

#[tokio::test]
async fn every_tenant_owned_table_carries_org_id() {
    each_backend(
        "every_tenant_owned_table_carries_org_id",
        |store| async move {
            let tables = store.tables_and_columns().await.unwrap();
            assert!(tables.len() >= 4, "{tables:?}");
            for (table, columns) in tables {
                // Platform-wide: the tenants themselves, accounts (one per person, across
                // organizations) and failed logins (throttling before anyone is known).
                let platform = ["organizations", "users", "login_failures"];
                if platform.contains(&table.as_str()) || table.starts_with("_sqlx") {
                    continue;
                }
                assert!(
                    columns.iter().any(|c| c == "org_id"),
                    "table {table} has no org_id column"
                );
            }
        },
    )
    .await;
}
