//! The header's language switch (its server function is `crate::wizard::typed::set_language`, at
//! [`crate::paths::SET_LANGUAGE`]).

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
    let action = crate::paths::SET_LANGUAGE;
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
