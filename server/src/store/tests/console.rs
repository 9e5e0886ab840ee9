use super::*;
use crate::store::test_support::{new_session, register, temp_store};
use app::domain::Branch;
use app::ssr::ports::ActivationStore;

async fn customer_of(store: &Store, aws_account: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = $1")
        .bind(aws_account)
        .fetch_one(store.pool())
        .await
        .expect("customer")
}

async fn run(store: &Store, statements: &[&str]) {
    for statement in statements {
        sqlx::query(statement).execute(store.pool()).await.expect(statement);
    }
}

fn filter(search: &str, state: Option<&str>, progress: Option<&str>) -> CustomerFilter {
    CustomerFilter::from_query(Some(search), state, progress)
}

async fn accounts(store: &Store, filter: &CustomerFilter) -> Vec<String> {
    store.customers(filter, 100).await.expect("db").into_iter().map(|c| c.aws_account_id).collect()
}

#[tokio::test]
async fn customers_are_found_by_any_of_their_names_and_filtered_by_state_and_progress() {
    let (store, _dir) = temp_store::<Store>().await;
    // 1: activated (billing account `a`, workspace billed); 2: on the link branch; 3: subscribed only, cancelled.
    new_session(&store, "111111111111").await;
    run(&store, &crate::store::test_support::ACCOUNTS_FIXTURE).await;
    let on_branch = new_session(&store, "222222222222").await;
    store.choose_branch(&on_branch, Branch::Link, 1).await.expect("branch");
    run(&store, &["UPDATE billing_accounts SET username = 'Zed'"]).await;
    register(&store, "333333333333", "l-cancelled").await;
    run(&store, &["UPDATE marketplace_customers SET subscription_state = 'cancelled', lock_at = 99 WHERE aws_account_id = '333333333333'"]).await;

    let all = store.customers(&CustomerFilter::default(), 100).await.expect("db");
    let listed: Vec<(&str, Progress, i64)> =
        all.iter().map(|c| (c.aws_account_id.as_str(), c.progress, c.workspaces)).collect();
    assert_eq!(
        listed,
        [
            ("333333333333", Progress::NotStarted, 0),
            ("222222222222", Progress::InProgress, 0),
            ("111111111111", Progress::Activated, 1),
        ],
        "newest first"
    );
    assert_eq!(all[2].billing_account.as_deref(), Some("Zed"));
    assert_eq!((all[0].subscription.as_str(), all[0].lock_at), ("cancelled", Some(99)));
    assert_eq!(all[0].license_id.as_deref(), Some("l-cancelled"));

    assert_eq!(accounts(&store, &filter("2222", None, None)).await, ["222222222222"], "part of the AWS account");
    assert_eq!(accounts(&store, &filter("L-CANC", None, None)).await, ["333333333333"], "the license, any case");
    assert_eq!(accounts(&store, &filter("zE", None, None)).await, ["111111111111"], "the billing account");
    assert_eq!(accounts(&store, &filter("cust-1", None, None)).await.len(), 3, "the customer identifier");
    assert!(accounts(&store, &filter("%", None, None)).await.is_empty(), "% is a character, not a wildcard");
    assert!(accounts(&store, &filter("_", None, None)).await.is_empty(), "so is _");
    assert_eq!(accounts(&store, &filter("", Some("cancelled"), None)).await, ["333333333333"]);
    assert_eq!(accounts(&store, &filter("", Some("active"), Some("in_progress"))).await, ["222222222222"]);
    assert_eq!(accounts(&store, &filter("", None, Some("activated"))).await, ["111111111111"]);
    assert!(accounts(&store, &filter("", None, Some("billing_linked"))).await.is_empty());
    run(&store, &["DELETE FROM workspace_settlements"]).await;
    assert_eq!(accounts(&store, &filter("", None, Some("billing_linked"))).await, ["111111111111"]);
    assert_eq!(store.customers(&CustomerFilter::default(), 2).await.expect("db").len(), 2, "the limit holds");
}

#[tokio::test]
async fn one_customer_comes_whole_with_its_timeline_and_an_unknown_one_is_none() {
    let (store, _dir) = temp_store::<Store>().await;
    new_session(&store, "111111111111").await;
    run(&store, &crate::store::test_support::ACCOUNTS_FIXTURE).await;
    let id = customer_of(&store, "111111111111").await;
    run(&store, &[
        "INSERT INTO entitlements (customer_id, dimension, value_kind, value_text, expires_at) SELECT id, 'hosts', 'integer', '10', 500 FROM marketplace_customers",
        "UPDATE marketplace_customers SET entitlements_checked_at = 7",
    ]).await;
    let detail = store.customer(id, 50).await.expect("db").expect("found");
    assert_eq!(detail.row.aws_account_id, "111111111111");
    assert_eq!(detail.product_code, "guance-dev");
    assert_eq!(detail.entitlements_checked_at, Some(7));
    assert_eq!(
        detail.entitlements,
        [EntitlementRow { dimension: "hosts".into(), value: "10".into(), expires_at: Some(500) }]
    );
    assert_eq!(detail.workspaces.len(), 1);
    assert_eq!((detail.workspaces[0].name.as_str(), detail.workspaces[0].site.as_str()), ("w", "us1"));
    let actions: Vec<&str> = detail.timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["customer.resolved"]);
    assert!(store.customer(id + 100, 50).await.expect("db").is_none());
    assert!(store.customer(0, 50).await.expect("db").is_none());
    assert!(store.customer(-1, 50).await.expect("db").is_none());
}

#[tokio::test]
async fn an_operator_is_found_by_username_in_any_case_and_its_events_are_audited() {
    let (store, _dir) = temp_store::<Store>().await;
    crate::operators::add(&store, "Olivia", "a long and unusual passphrase 42", 5).await.expect("added");
    let found = store.operator_login("OLIVIA").await.expect("db").expect("found");
    assert_eq!(found.username, "Olivia");
    assert!(found.password_hash.starts_with("$argon2id$"));
    assert_eq!(store.operator_name(found.id).await.expect("db").as_deref(), Some("Olivia"));
    assert!(store.operator_login("oscar").await.expect("db").is_none());
    assert!(store.operator_login("not a username!").await.expect("db").is_none(), "no lookup for a malformed name");
    assert!(store.operator_name(found.id + 1).await.expect("db").is_none());
    store.audit_operator("Olivia", "operator.logged_in", "logged in to the console", 9).await.expect("db");
    let (actor, action): (String, String) =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE at = 9").fetch_one(store.pool()).await.expect("row");
    assert_eq!((actor.as_str(), action.as_str()), ("operator:Olivia", "operator.logged_in"));
}

#[tokio::test]
async fn retry_now_puts_back_only_a_failed_record_aws_would_still_take_and_is_audited() {
    let (store, _dir) = temp_store::<Store>().await;
    let customer = register(&store, "111111111111", "l-1").await;
    let now = 100 * 3600;
    // 1 refused this hour, 2 refused 7 hours ago, 3 sent, 4 pending after a failed attempt, 5 pending untried.
    run(&store, &[
        &format!("INSERT INTO metering_records (id, customer_id, dimension, usage_hour, quantity, state, status, created_at) VALUES (1, {customer}, 'hosts', {}, 3, 'sent', 'CustomerNotSubscribed', 0)", now - 3600),
        &format!("INSERT INTO metering_records (id, customer_id, dimension, usage_hour, quantity, state, status, created_at) VALUES (2, {customer}, 'hosts', {}, 3, 'sent', 'CustomerNotSubscribed', 0)", now - 7 * 3600),
        &format!("INSERT INTO metering_records (id, customer_id, dimension, usage_hour, quantity, state, status, metering_record_id, created_at) VALUES (3, {customer}, 'hosts', {}, 3, 'sent', 'Success', 'mr-1', 0)", now - 2 * 3600),
        &format!("INSERT INTO metering_records (id, customer_id, dimension, usage_hour, quantity, state, last_error, attempts, created_at) VALUES (4, {customer}, 'gpus', {}, 1, 'pending', 'throttled', 2, 0)", now - 3600),
        &format!("INSERT INTO metering_records (id, customer_id, dimension, usage_hour, quantity, state, created_at) VALUES (5, {customer}, 'cpus', {}, 1, 'pending', 0)", now - 3600),
    ]).await;
    let states = |filter: MeteringFilter| {
        let store = &store;
        async move { store.metering_records(&filter, 100).await.expect("db").iter().map(|r| r.id).collect::<Vec<_>>() }
    };
    assert_eq!(states(MeteringFilter::from_query(Some("refused"), None)).await, [2, 1]);
    assert_eq!(states(MeteringFilter::from_query(Some("pending"), None)).await, [5, 4]);
    assert_eq!(states(MeteringFilter::from_query(Some("sent"), Some("1111"))).await, [3]);
    assert!(states(MeteringFilter::from_query(None, Some("2222"))).await.is_empty());

    for (id, retried) in [(1, true), (1, false), (2, false), (3, false), (4, true), (5, false), (99, false), (0, false)]
    {
        assert_eq!(store.retry_metering(id, "olivia", now).await.expect("db"), retried, "record {id}");
    }
    let row: (String, Option<String>, Option<String>) =
        sqlx::query_as("SELECT state, status, last_error FROM metering_records WHERE id = 1")
            .fetch_one(store.pool())
            .await
            .expect("row");
    assert_eq!(row, ("pending".to_owned(), None, None));
    let row: (String, Option<String>) = sqlx::query_as("SELECT state, status FROM metering_records WHERE id = 2")
        .fetch_one(store.pool())
        .await
        .expect("row");
    assert_eq!(row, ("sent".to_owned(), Some("CustomerNotSubscribed".to_owned())), "too old: unchanged");
    let audited: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT actor, customer_id FROM audit_log WHERE action = 'metering.retried' ORDER BY id")
            .fetch_all(store.pool())
            .await
            .expect("entries");
    assert_eq!(
        audited,
        [("operator:olivia".to_owned(), Some(customer)), ("operator:olivia".to_owned(), Some(customer))]
    );
}
