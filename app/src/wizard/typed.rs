//! What a wizard page's form held when the buyer switched language (issue 19): the header's language switch
//! sends the page's form along (`form="page-form"`), and the answers are kept in the draft — as the step's own
//! button would keep them, without checking — so the page comes back in the other language with them. Never a
//! password or a code (the draft has no place for either).

use super::{visit, Gate};
use crate::error::AppError;
use crate::paths;

/// The answers a wizard form may hold; `None` when the form did not have the field.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Typed {
    pub site: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company_name: Option<String>,
    pub industry: Option<String>,
    pub company_size: Option<String>,
    pub workspace_name: Option<String>,
    pub language: Option<String>,
    /// The terms box (a box not ticked is not sent).
    pub terms: bool,
    pub account: Option<String>,
}

fn set(field: &mut String, typed: Option<String>) {
    if let Some(typed) = typed {
        *field = typed.trim().to_owned();
    }
}

/// Keeps `typed` in the session's draft for the page at `back` (a wizard page with a form; any other page
/// keeps nothing). Without an activation session nothing is kept.
pub async fn keep_typed(back: &str, typed: Typed) -> Result<(), AppError> {
    let ports = crate::ssr::ports()?;
    let Gate::Show(mut visit) = visit(&ports).await? else {
        return Ok(());
    };
    let path = back.split(['?', '#']).next().unwrap_or_default();
    let (r, l) = (&mut visit.draft.register, &mut visit.draft.link);
    match path {
        paths::REGISTER_BASIC => {
            set(&mut r.site, typed.site);
            set(&mut r.username, typed.username);
            set(&mut r.email, typed.email);
            set(&mut r.phone, typed.phone);
        }
        paths::REGISTER_COMPANY => {
            set(&mut r.company_name, typed.company_name);
            set(&mut r.industry, typed.industry);
            set(&mut r.company_size, typed.company_size);
        }
        paths::REGISTER_WORKSPACE => {
            set(&mut r.workspace_name, typed.workspace_name);
            set(&mut r.language, typed.language);
            r.terms = typed.terms;
        }
        paths::LINK_BILLING => {
            if let Some(username) = typed.username {
                // Another username is not the one a code proved.
                if username.trim() != l.billing_username {
                    l.billing_verified = None;
                }
                l.billing_username = username.trim().to_owned();
            }
        }
        paths::LINK_CREATE => {
            // The box is on the form once who owns the workspace is chosen.
            let has_terms = typed.workspace_name.is_some();
            set(&mut l.account, typed.account);
            set(&mut l.workspace_name, typed.workspace_name);
            set(&mut l.language, typed.language);
            set(&mut l.email, typed.email);
            set(&mut l.username, typed.username);
            set(&mut l.phone, typed.phone);
            if has_terms {
                l.terms = typed.terms;
            }
        }
        _ => return Ok(()),
    }
    visit.save(&ports).await
}
