//! Operators (issue 20): the vendor's own people, who will run the console at `/operator`. They are created
//! on the command line — `server operator add NAME` (`main.rs`), the password from the first line of standard input when
//! it is not a terminal, else asked twice without echo — with a buyer's rules for both: a username as
//! `Username` takes it, a password of 15 characters or more that is not easy to guess (zxcvbn), stored as an
//! argon2id hash. Adding one is audited (`operator.added`).

use app::domain::Username;
use app::ssr::ports::StoreError;
use async_trait::async_trait;

/// The operators' table.
#[async_trait]
pub trait OperatorStore: Send + Sync {
    /// Adds an operator; `false` when the username (case-insensitively) is taken.
    async fn add_operator(&self, username: &Username, password_hash: &str, now: i64) -> Result<bool, StoreError>;
}

/// Checks `name` and `password` by the buyers' rules and adds the operator.
pub async fn add(store: &dyn OperatorStore, name: &str, password: &str, now: i64) -> Result<String, String> {
    let username = Username::parse(name)
        .map_err(|e| app::domain::rules::FieldRule::Username.describe(app::i18n::Locale::en, e).to_string())?;
    let mut errors = app::error::FormErrors::default();
    let checked = app::ssr::checks::new_password(app::i18n::Locale::en, password, password, &[name], &mut errors);
    let Some(password) = checked else {
        let reasons: Vec<String> = errors.items().into_iter().map(|(_, message)| message).collect();
        return Err(format!("password refused: {}", reasons.join("; ")));
    };
    let hash = app::ssr::checks::hash(password).await.map_err(|e| e.to_string())?;
    match store.add_operator(&username, &hash, now).await.map_err(|e| e.to_string())? {
        true => Ok(format!("operator {} added", username.as_str())),
        false => Err(format!("an operator {} exists already", username.as_str())),
    }
}
