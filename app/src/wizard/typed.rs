//! What a wizard page's form held when the buyer switched language (issue 19): the header's language switch
//! sends the page's form along (`form="page-form"`), and the answers are kept in the draft — as the step's own
//! button would keep them, without checking — so the page comes back in the other language with them. Never a
//! password or a code (the draft has no place for either).
// The language switch's server function takes each answer a wizard form may hold.
#![allow(clippy::too_many_arguments)]

#[cfg(feature = "ssr")]
use super::{visit, Gate};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::paths;
use leptos::prelude::*;

/// The answers a wizard form may hold; `None` when the form did not have the field.
#[cfg(feature = "ssr")]
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

#[cfg(feature = "ssr")]
fn set(field: &mut String, typed: Option<String>) {
    if let Some(typed) = typed {
        *field = typed.trim().to_owned();
    }
}

/// Keeps `typed` in the session's draft for the page at `back` (a wizard page with a form; any other page
/// keeps nothing). Without an activation session nothing is kept.
#[cfg(feature = "ssr")]
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

/// The header's language switch: remembers `lang` (`en` or `zh`) in leptos_i18n's cookie for a year and goes
/// back to the page (a path of this site; anything else goes to `/activate`). On a wizard page with a form the
/// switch sends that form (`back` then in the address, as the form has none): what it holds is kept for the
/// page ([`crate::wizard::typed`]), so nothing typed is lost.
#[server(endpoint = "set_language")]
pub async fn set_language(
    lang: Option<String>,
    back: Option<String>,
    site: Option<String>,
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    company_name: Option<String>,
    industry: Option<String>,
    company_size: Option<String>,
    workspace_name: Option<String>,
    language: Option<String>,
    terms: Option<String>,
    account: Option<String>,
) -> Result<(), AppError> {
    use crate::paths;
    let lang = if lang.as_deref() == Some("zh") { "zh" } else { "en" };
    let sent_form = back.is_none();
    let back = match back {
        Some(back) => back,
        None => leptos_axum::extract::<axum::extract::Query<std::collections::HashMap<String, String>>>()
            .await
            .ok()
            .and_then(|query| query.0.get("back").cloned())
            .unwrap_or_default(),
    };
    let back = paths::safe_back(&back).unwrap_or(paths::ACTIVATE);
    if sent_form {
        let typed = Typed {
            site,
            username,
            email,
            phone,
            company_name,
            industry,
            company_size,
            workspace_name,
            language,
            terms: terms.is_some(),
            account,
        };
        keep_typed(back, typed).await?;
    }
    crate::ssr::set_cookie(&format!("i18n_pref_locale={lang}; Path=/; Max-Age=31536000; SameSite=Lax"))?;
    leptos_axum::redirect(back);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_switch_posts_to_this_server_function() {
        assert_eq!(<super::SetLanguage as leptos::server_fn::ServerFn>::url(), crate::paths::SET_LANGUAGE);
    }
}
