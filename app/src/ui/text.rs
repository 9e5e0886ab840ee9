//! Text with numbers that must stay whole.

use leptos::prelude::*;

/// `text` with the AWS account number `account` in it (grouped `1111-2222-3333` or a tail `…3333`) kept on
/// one line (`.aws-account`): a number broken across lines is misread. Text without it is as it is.
pub(crate) fn with_account(text: String, account: &str) -> AnyView {
    let Some(at) = (!account.is_empty()).then(|| text.find(account)).flatten() else {
        return text.into_any();
    };
    let (before, rest) = text.split_at(at);
    let (number, after) = rest.split_at(account.len());
    let (before, number, after) = (before.to_owned(), number.to_owned(), after.to_owned());
    view! {
        {before}
        <span class="aws-account">{number}</span>
        {after}
    }
    .into_any()
}
