//! The header's language switch and its server function.
// The switch sends a wizard page's form along: its server function takes each answer that form may hold.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use crate::i18n::{td_string, use_i18n, Locale};
use leptos::prelude::*;

/// The header's language switch: a form (so it works without JavaScript) offering the other language, named in
/// that language; the choice is remembered in leptos_i18n's cookie and the page comes back in it.
#[component]
pub(super) fn LanguageSwitch() -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let other = match locale {
        Locale::en => "zh",
        Locale::zh => "en",
    };
    let location = leptos_router::hooks::use_location();
    let search = location.search.get_untracked();
    let back = if search.is_empty() {
        location.pathname.get_untracked()
    } else {
        format!("{}?{}", location.pathname.get_untracked(), search.trim_start_matches('?'))
    };
    let action = <SetLanguage as leptos::server_fn::ServerFn>::url();
    // On a page with a wizard form (`id="page-form"`) the switch sends that form, so what was typed is kept;
    // the stylesheet shows that button only when the page has such a form (`:has`), the plain one otherwise.
    let keep_action = format!("{action}?back={}", crate::paths::query_value(&back));
    let label = format!("{} – {}", td_string!(locale, language_switch_label), td_string!(locale, language_switch_to));
    view! {
        <form class="language-switch" method="post" action=action>
            <input type="hidden" name="back" value=back />
            <button
                type="submit"
                name="lang"
                value=other
                lang=other
                class="language-switch-button language-plain"
                aria-label=label.clone()
            >
                {td_string!(locale, language_switch_to)}
            </button>
            <button
                type="submit"
                form="page-form"
                formaction=keep_action
                formmethod="post"
                formnovalidate=true
                name="lang"
                value=other
                lang=other
                class="language-switch-button language-keep"
                aria-label=label
            >
                {td_string!(locale, language_switch_to)}
            </button>
        </form>
    }
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
    use crate::wizard::typed::{keep_typed, Typed};
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
