use super::*;
use crate::store::test_support::{count, new_session, temp_store};
use app::domain::{CompanyName, Email, Site, Username, WorkspaceLanguage, WorkspaceName};
use app::ssr::ports::{Accounts, ActivateRefusal, NewAccount, NewWorkspace};

fn account(username: &str) -> NewAccount {
    NewAccount {
        username: Username::parse(username).expect("username"),
        email: Email::parse(&format!("{username}@example.com")).expect("email"),
        phone: None,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        company_name: CompanyName::parse("Acme").expect("company"),
        industry: None,
        company_size: None,
    }
}

fn workspace(name: &str) -> NewWorkspace {
    NewWorkspace {
        name: WorkspaceName::parse(name).expect("name"),
        site: Site::Us1,
        language: WorkspaceLanguage::English,
    }
}

async fn customer_of(store: &Store, aws_account: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = $1")
        .bind(aws_account)
        .fetch_one(store.pool())
        .await
        .expect("customer")
}

#[tokio::test]
async fn each_change_is_in_its_customer_s_timeline_with_who_and_what_and_a_repeat_adds_nothing() {
    let (store, _dir) = temp_store::<Store>().await;
    let s = new_session(&store, "111111111111").await;
    store.activate_register(&s, &account("alice"), &workspace("Production"), 10).await.expect("db").expect("activated");
    store.activate_register(&s, &account("alice"), &workspace("Production"), 11).await.expect("db").expect("a repeat");
    let customer = customer_of(&store, "111111111111").await;
    let timeline = store.customer_timeline(customer, 50).await.expect("db");
    let actions: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["activation.completed", "customer.resolved"], "newest first, the repeat not recorded");
    let done = &timeline[0];
    assert_eq!(done.actor, app::ssr::audit::actor_buyer(&s));
    assert_eq!((done.at, done.customer_id), (10, Some(customer)));
    assert!(done.billing_account_id.is_some() && done.workspace_id.is_some());
    assert!(done.detail.contains("alice") && done.detail.contains("Production"), "{}", done.detail);
    assert!(timeline[1].detail.contains("111111111111"));
    // Another customer's entries are not in this timeline.
    let other = new_session(&store, "222222222222").await;
    let refused = store.activate_register(&other, &account("alice"), &workspace("Other"), 12).await.expect("db");
    assert_eq!(refused, Err(ActivateRefusal::UsernameTaken));
    let theirs = store.customer_timeline(customer_of(&store, "222222222222").await, 50).await.expect("db");
    let actions: Vec<&str> = theirs.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["customer.resolved"], "a refused Activate leaves no entry");
    assert_eq!(store.customer_timeline(customer, 50).await.expect("db").len(), 2);
}

#[tokio::test]
async fn the_database_refuses_to_change_or_remove_an_entry() {
    let (store, _dir) = temp_store::<Store>().await;
    new_session(&store, "111111111111").await;
    assert_eq!(count(&store, "audit_log").await, 1);
    let update = sqlx::query("UPDATE audit_log SET detail = 'rewritten'").execute(store.pool()).await;
    assert!(update.is_err_and(|e| e.to_string().contains("append-only")), "an update is refused");
    let delete = sqlx::query("DELETE FROM audit_log").execute(store.pool()).await;
    assert!(delete.is_err_and(|e| e.to_string().contains("append-only")), "a delete is refused");
    assert_eq!(count(&store, "audit_log").await, 1);
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log").fetch_one(store.pool()).await.expect("entry");
    assert!(detail.contains("111111111111"), "unchanged: {detail}");
}
