use super::*;
use app::ssr::audit::AuditTrail;
use crate::store::test_support::{count, new_session, temp_store};
use app::domain::{CompanyName, Site, WorkspaceLanguage, WorkspaceName};
use app::ssr::ports::{Accounts, NewAccount, NewUser};
use std::sync::Arc;

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

fn workspace(name: &str, site: Site) -> NewWorkspace {
    NewWorkspace { name: WorkspaceName::parse(name).expect("name"), site, language: WorkspaceLanguage::English }
}

/// A new account `username` (`email`) of company "Acme" for the register branch's Activate.
fn new_account(username: &str, email: &str) -> NewAccount {
    NewAccount {
        username: Username::parse(username).expect("username"),
        email: Email::parse(email).expect("email"),
        phone: None,
        password_hash: HASH.into(),
        company_name: CompanyName::parse("Acme").expect("company"),
        industry: None,
        company_size: None,
    }
}

/// A billing account "owner" (registered through AWS account 111111111111) with workspace "First".
async fn registered(store: &Store) {
    let s = new_session(store, "111111111111").await;
    let account = new_account("Owner", "owner@example.com");
    store.activate_register(&s, &account, &workspace("First", Site::Us1), 0).await.expect("db").expect("ok");
}

/// An extra, unsettled workspace of the billing account (created in the billing center).
async fn unsettled(store: &Store, name: &str) -> i64 {
    let owner = Username::parse("owner").expect("username");
    let made = store.create_billing_center_workspace(&owner, &workspace(name, Site::Cn2), 1).await.expect("db");
    let again = store.create_billing_center_workspace(&owner, &workspace(name, Site::Cn2), 1).await.expect("db");
    assert_eq!(again, Some(None), "one name per site");
    let nobody = Username::parse("nobody").expect("username");
    assert_eq!(store.create_billing_center_workspace(&nobody, &workspace(name, Site::Cn2), 1).await.expect("db"), None);
    made.flatten().expect("created")
}

async fn linked_session(store: &Store, account: &str) -> SessionKey {
    let s = new_session(store, account).await;
    let owner = Username::parse("OWNER").expect("username");
    assert_eq!(store.link_billing_account(&s, &owner, 5).await.expect("db"), Ok("Owner".to_owned()));
    s
}

#[tokio::test]
async fn a_billing_account_is_found_case_insensitively_and_linking_shows_its_workspaces() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let owner = Username::parse("owner").expect("username");
    assert_eq!(
        store.billing_account_email(&owner).await.expect("db").map(|e| e.as_str().to_owned()),
        Some("owner@example.com".to_owned())
    );
    assert_eq!(store.billing_account_email(&Username::parse("nobody").expect("u")).await.expect("db"), None);
    assert!(store.guance_account_exists(&Email::parse("OWNER@example.com").expect("e")).await.expect("db"));

    let s = new_session(&store, "222222222222").await;
    assert_eq!(store.linked_workspaces(&s, 5).await.expect("db"), None, "nothing before linking");
    assert_eq!(
        store.link_billing_account(&s, &Username::parse("nobody").expect("u"), 5).await.expect("db"),
        Err(LinkRefusal::NoSuchAccount)
    );
    store.link_billing_account(&s, &owner, 5).await.expect("db").expect("linked");
    let rows = store.linked_workspaces(&s, 6).await.expect("db").expect("linked");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].name, "First");
    assert_eq!(rows[0].state, WorkspaceState::SettledByOther, "billed to the AWS account that registered");
}

#[tokio::test]
async fn a_linked_aws_account_is_not_linked_again_to_another_billing_account() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await; // billing account "Owner", via AWS account 111111111111
                              // The registering AWS account tries to link another billing account from a second session.
    let other = new_session(&store, "333333333333").await;
    let other_account = new_account("Other", "other@example.com");
    store.activate_register(&other, &other_account, &workspace("Theirs", Site::Us1), 0).await.expect("db").expect("ok");
    let again = new_session(&store, "111111111111").await;
    let refused = store.link_billing_account(&again, &Username::parse("other").expect("u"), 5).await.expect("db");
    assert_eq!(refused, Err(LinkRefusal::AlreadyLinked));
    // Linking the billing account it already has is a repeat, not a change.
    let owner = Username::parse("owner").expect("username");
    assert_eq!(store.link_billing_account(&again, &owner, 6).await.expect("db"), Ok("Owner".to_owned()));
    let billing: String = sqlx::query_scalar(
        "SELECT b.username FROM marketplace_customers c JOIN billing_accounts b ON b.id = c.billing_account_id
          WHERE c.aws_account_id = '111111111111'",
    )
    .fetch_one(store.pool())
    .await
    .expect("customer");
    assert_eq!(billing, "Owner");
}

#[tokio::test]
async fn a_link_is_undone_only_while_no_workspace_is_billed_to_the_aws_account() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let spare = unsettled(&store, "Spare").await;
    let s = linked_session(&store, "222222222222").await;
    assert_eq!(store.unlink_billing_account(&s, 6).await.expect("db"), Ok(()));
    assert_eq!(store.linked_workspaces(&s, 6).await.expect("db"), None, "nothing linked any more");
    assert_eq!(store.unlink_billing_account(&s, 6).await.expect("db"), Ok(()), "a repeat");
    // Linked again (to the right one this time), a workspace bound: the billing account stays.
    let owner = Username::parse("owner").expect("username");
    store.link_billing_account(&s, &owner, 7).await.expect("db").expect("linked");
    assert_eq!(store.bind_workspace(&s, spare, 8).await.expect("db"), Ok(BindOutcome::Bound));
    assert_eq!(store.unlink_billing_account(&s, 9).await.expect("db"), Err(UnlinkRefusal::WorkspaceLinked));
    assert!(store.linked_workspaces(&s, 9).await.expect("db").is_some(), "still linked");
    // The registering AWS account has its workspace: refused too.
    let first = new_session(&store, "111111111111").await;
    assert_eq!(store.unlink_billing_account(&first, 9).await.expect("db"), Err(UnlinkRefusal::WorkspaceLinked));
    let gone = app::ssr::session::SessionId::generate().key();
    assert_eq!(store.unlink_billing_account(&gone, 9).await.expect("db"), Err(UnlinkRefusal::SessionGone));
    // Each step is in the customer's audit timeline, newest first, by this session.
    let customer: i64 =
        sqlx::query_scalar("SELECT id FROM marketplace_customers WHERE aws_account_id = '222222222222'")
            .fetch_one(store.pool())
            .await
            .expect("customer");
    let timeline = store.customer_timeline(customer, 50).await.expect("db");
    let actions: Vec<&str> = timeline.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["workspace.bound", "billing.linked", "billing.unlinked", "billing.linked", "customer.resolved"]
    );
    assert!(timeline.iter().all(|e| e.actor == app::ssr::audit::actor_buyer(&s)));
    assert_eq!(timeline[0].workspace_id, Some(spare));
}

#[tokio::test]
async fn bind_links_an_unsettled_workspace_once_and_refuses_others() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let spare = unsettled(&store, "Spare").await;
    let s = linked_session(&store, "222222222222").await;
    assert_eq!(store.bind_workspace(&s, spare, 7).await.expect("db"), Ok(BindOutcome::Bound));
    assert_eq!(store.bind_workspace(&s, spare, 8).await.expect("db"), Ok(BindOutcome::AlreadyLinked));
    let rows = store.linked_workspaces(&s, 9).await.expect("db").expect("linked");
    assert_eq!(rows.iter().find(|r| r.id == spare).map(|r| r.state), Some(WorkspaceState::Linked));
    // The registering account's workspace is settled by that account: not bindable here.
    let first = rows.iter().find(|r| r.name == "First").expect("first").id;
    assert_eq!(store.bind_workspace(&s, first, 9).await.expect("db"), Err(BindRefusal::SettledByOther));
    // Another billing account's workspace, or none at all, is not found (no probing by id).
    assert_eq!(store.bind_workspace(&s, 9999, 9).await.expect("db"), Err(BindRefusal::NotFound));
    let stranger = new_session(&store, "333333333333").await;
    assert_eq!(store.bind_workspace(&stranger, spare, 9).await.expect("db"), Err(BindRefusal::NotLinked));
    assert_eq!(count(&store, "workspace_settlements").await, 2);
}

#[tokio::test]
async fn racing_binds_of_one_workspace_from_several_aws_accounts_have_exactly_one_winner() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let spare = unsettled(&store, "Spare").await;
    let mut sessions = Vec::new();
    for i in 0..6 {
        sessions.push(linked_session(&store, &format!("4444444444{i:02}")).await);
    }
    let store = Arc::new(store);
    let barrier = Arc::new(tokio::sync::Barrier::new(sessions.len()));
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|s| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.bind_workspace(&s, spare, 10).await.expect("db")
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("join"));
    }
    assert_eq!(outcomes.iter().filter(|o| **o == Ok(BindOutcome::Bound)).count(), 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| **o == Err(BindRefusal::SettledByOther)).count(), 5);
}

#[tokio::test]
async fn create_with_an_existing_or_a_new_account_is_linked_and_idempotent() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let s = linked_session(&store, "222222222222").await;
    let existing = WorkspaceOwner::Existing(Email::parse("Owner@Example.com").expect("email"), None);
    let made = store.create_workspace(&s, &existing, &workspace("Staging", Site::Cn2), 10).await.expect("db");
    let made = made.expect("created");
    assert!(made.first);
    let again = store.create_workspace(&s, &existing, &workspace("staging", Site::Cn2), 11).await.expect("db");
    assert_eq!(again, Ok(Created { first: false, ..made.clone() }), "a repeat returns the same workspace");
    // The same name on another site is another workspace.
    let new_user = WorkspaceOwner::New(NewUser {
        username: Username::parse("newbie").expect("username"),
        email: Email::parse("newbie@example.com").expect("email"),
        phone: None,
        password_hash: HASH.into(),
    });
    store.create_workspace(&s, &new_user, &workspace("Staging", Site::Us1), 12).await.expect("db").expect("ok");
    assert_eq!(count(&store, "guance_accounts").await, 2);
    let rows = store.linked_workspaces(&s, 13).await.expect("db").expect("linked");
    let linked: Vec<_> = rows.iter().filter(|r| r.state == WorkspaceState::Linked).map(|r| &r.site_code).collect();
    assert_eq!(linked, ["cn2", "us1"]);
    // The name of a workspace billed elsewhere is taken.
    assert_eq!(
        store.create_workspace(&s, &existing, &workspace("FIRST", Site::Us1), 14).await.expect("db"),
        Err(CreateRefusal::NameTaken)
    );
}

#[tokio::test]
async fn an_email_that_several_accounts_share_needs_the_username_too() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let s = linked_session(&store, "222222222222").await;
    // A second account with the owner's email.
    let twin = WorkspaceOwner::New(NewUser {
        username: Username::parse("twin").expect("username"),
        email: Email::parse("owner@example.com").expect("email"),
        phone: None,
        password_hash: HASH.into(),
    });
    store.create_workspace(&s, &twin, &workspace("Twin", Site::Cn2), 10).await.expect("db").expect("ok");
    let email = || Email::parse("OWNER@example.com").expect("email");
    let by =
        |username: Option<&str>| WorkspaceOwner::Existing(email(), username.map(|u| Username::parse(u).expect("u")));
    assert_eq!(
        store.create_workspace(&s, &by(None), &workspace("Staging", Site::Cn2), 11).await.expect("db"),
        Err(CreateRefusal::SeveralAccounts),
        "never a guess"
    );
    assert_eq!(
        store.create_workspace(&s, &by(Some("stranger")), &workspace("Staging", Site::Cn2), 12).await.expect("db"),
        Err(CreateRefusal::NoSuchAccount)
    );
    let made = store.create_workspace(&s, &by(Some("TWIN")), &workspace("Staging", Site::Cn2), 13).await.expect("db");
    let made = made.expect("created for the account of that username");
    let owner: String = sqlx::query_scalar(
        "SELECT a.username FROM workspaces w JOIN guance_accounts a ON a.id = w.owner_account_id WHERE w.id = $1",
    )
    .bind(made.workspace_id)
    .fetch_one(store.pool())
    .await
    .expect("owner");
    assert_eq!(owner, "twin");
}

#[tokio::test]
async fn a_failed_create_leaves_nothing_behind() {
    let (store, _dir) = temp_store::<Store>().await;
    registered(&store).await;
    let s = linked_session(&store, "222222222222").await;
    let nobody = WorkspaceOwner::Existing(Email::parse("nobody@example.com").expect("email"), None);
    assert_eq!(
        store.create_workspace(&s, &nobody, &workspace("Staging", Site::Cn2), 10).await.expect("db"),
        Err(CreateRefusal::NoSuchAccount)
    );
    let taken = WorkspaceOwner::New(NewUser {
        username: Username::parse("OWNER").expect("username"),
        email: Email::parse("x@example.com").expect("email"),
        phone: None,
        password_hash: HASH.into(),
    });
    assert_eq!(
        store.create_workspace(&s, &taken, &workspace("Staging", Site::Cn2), 10).await.expect("db"),
        Err(CreateRefusal::UsernameTaken)
    );
    assert_eq!(count(&store, "workspaces").await, 1);
    assert_eq!(count(&store, "guance_accounts").await, 1);
    assert_eq!(count(&store, "workspace_settlements").await, 1);
}

/// Two tabs of one AWS customer link two different billing accounts at once: one wins, the other is told
/// the customer already has one, and the customer keeps the winner's.
#[tokio::test]
async fn racing_links_of_one_aws_account_keep_one_billing_account() {
    let (store, _dir) = temp_store::<Arc<Store>>().await;
    registered(&store).await;
    let other = new_session(&*store, "666666666666").await;
    let second = new_account("Second", "second@example.com");
    store.activate_register(&other, &second, &workspace("Other", Site::Us1), 0).await.expect("db").expect("ok");
    let (s1, s2) = (new_session(&*store, "777777777777").await, new_session(&*store, "777777777777").await);
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let link = |s: SessionKey, name: &'static str| {
        let (store, barrier) = (store.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            store.link_billing_account(&s, &Username::parse(name).expect("username"), 5).await.expect("db")
        })
    };
    let (a, b) = (link(s1, "owner"), link(s2, "second"));
    let outcomes = [a.await.expect("join"), b.await.expect("join")];
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.contains(&Err(LinkRefusal::AlreadyLinked)), "{outcomes:?}");
    let winner = outcomes.iter().find_map(|o| o.clone().ok()).expect("a winner");
    let kept: String = sqlx::query_scalar(
        "SELECT b.username FROM marketplace_customers c JOIN billing_accounts b ON b.id = c.billing_account_id
          WHERE c.aws_account_id = '777777777777'",
    )
    .fetch_one(store.pool())
    .await
    .expect("linked");
    assert_eq!(kept, winner);
}

/// Two tabs of one AWS customer (two activation sessions) create the same workspace at once: one creates
/// it, the other finds it — one workspace, linked.
#[tokio::test]
async fn racing_creates_of_one_workspace_from_two_tabs_make_one() {
    let (store, _dir) = temp_store::<Arc<Store>>().await;
    registered(&store).await;
    let (s1, s2) = (linked_session(&store, "888888888888").await, linked_session(&store, "888888888888").await);
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let create = |s: SessionKey| {
        let (store, barrier) = (store.clone(), barrier.clone());
        tokio::spawn(async move {
            let owner = WorkspaceOwner::Existing(Email::parse("owner@example.com").expect("email"), None);
            barrier.wait().await;
            store.create_workspace(&s, &owner, &workspace("Twin", Site::Us1), 10).await.expect("db")
        })
    };
    let (a, b) = (create(s1), create(s2));
    let (a, b) = (a.await.expect("join").expect("created"), b.await.expect("join").expect("created"));
    assert_eq!(a.workspace_id, b.workspace_id);
    assert_eq!([a.first, b.first].iter().filter(|f| **f).count(), 1, "one created, one found");
    let twins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workspaces WHERE name_key = 'twin'")
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(twins, 1);
}
