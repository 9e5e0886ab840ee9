//! Choice controls: a checkbox (with a link in its label), the workspace language, and the terms.

use super::{BrowserCheck, ErrorMessage};
use crate::domain::rules::FieldRule;
use crate::domain::WorkspaceLanguage;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_locale, FieldMessages};
use leptos::prelude::*;

/// **Checkbox**: one box with its label. `id` names the box (and prefixes its error); `name`/`value` are what
/// a checked box sends.
#[component]
pub(crate) fn Checkbox(
    id: &'static str,
    name: &'static str,
    #[prop(default = "yes")] value: &'static str,
    #[prop(into)] label: String,
    checked: bool,
    error: Option<String>,
    #[prop(optional)] disabled: bool,
    /// Checked in the browser before the form is sent (a box that must be ticked).
    #[prop(optional_no_strip)]
    check: Option<BrowserCheck>,
    /// Part of the label as a link (opening in a new tab, so that the form keeps what was typed).
    #[prop(optional_no_strip)]
    link: Option<LabelLink>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let check = check.and_then(|check| check.attr());
    view! {
        <div class="form-group" class:form-group-error=error.is_some() data-check=check>
            {error.clone().map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
            <div class="checkbox">
                <input
                    type="checkbox"
                    id=id
                    name=name
                    value=value
                    checked=checked
                    disabled=disabled
                    aria-invalid=error.as_ref().map(|_| "true")
                    aria-describedby=error.as_ref().map(|_| error_id.clone())
                />
                <label for=id>
                    {match link {
                        Some(LabelLink { before, text, href, after, new_tab }) => {
                            view! {
                                {before}
                                <a href=href target="_blank" rel="noopener">
                                    {text}
                                    <span class="visually-hidden">{new_tab}</span>
                                </a>
                                {after}
                            }
                                .into_any()
                        }
                        None => label.into_any(),
                    }}
                </label>
            </div>
        </div>
    }
}

/// A [`Checkbox`] label with a link in it: `before`, the link's `text` to `href`, `after`; `new_tab` says
/// (to screen readers) that it opens in a new tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LabelLink {
    pub before: String,
    pub text: String,
    pub href: String,
    pub after: String,
    pub new_tab: String,
}

/// **Workspace language** (English / 中文), with the warning that it is fixed at creation.
/// `id` prefixes the ids of its warning, error and options; the form field is always `language`.
#[component]
pub(crate) fn LanguageField(
    #[prop(default = "language")] id: &'static str,
    selected: String,
    error: Option<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let (warning_id, error_id) = (format!("{id}-warning"), format!("{id}-error"));
    let described = if error.is_some() { format!("{warning_id} {error_id}") } else { warning_id.clone() };
    let locale = page_locale();
    let messages = FieldMessages::new(locale, "", td_string!(locale, err_language_required));
    let check = BrowserCheck::worded("language", FieldRule::Choice, &format!("{id}-en"), messages).attr();
    view! {
        <div class="form-group" class:form-group-error=error.is_some() data-check=check>
            <fieldset aria-describedby=described>
                <legend class="legend-s">{t!(i18n, answer_workspace_language)}</legend>
                <p class="warning" id=warning_id>
                    <strong>{t!(i18n, language_warning)}</strong>
                </p>
                {error.clone().map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
                {[WorkspaceLanguage::English, WorkspaceLanguage::Chinese]
                    .into_iter()
                    .map(|language| {
                        let id = format!("{id}-{}", language.code());
                        view! {
                            <div class="radio">
                                <input
                                    type="radio"
                                    id=id.clone()
                                    name="language"
                                    value=language.code()
                                    checked=selected == language.code()
                                />
                                <label for=id lang=language.code()>
                                    {language.name()}
                                </label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
        </div>
    }
}

/// **I agree to the terms**. `id` names the checkbox (and prefixes its error); the form field is `terms`.
#[component]
pub(crate) fn TermsField(
    #[prop(default = "terms")] id: &'static str,
    checked: bool,
    error: Option<String>,
) -> impl IntoView {
    let locale = page_locale();
    let label = td_string!(locale, terms_label);
    let messages = FieldMessages::new(locale, "", td_string!(locale, err_terms));
    let check = Some(BrowserCheck::worded("terms", FieldRule::Choice, id, messages));
    // Where the terms are (`PORTAL_TERMS_URL`): the server renders this field.
    #[cfg(feature = "ssr")]
    let href = crate::ssr::ports().map(|ports| ports.links.terms).unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let href = String::new();
    let link = (!href.is_empty()).then(|| LabelLink {
        before: td_string!(locale, terms_before).to_owned(),
        text: td_string!(locale, terms_link).to_owned(),
        href,
        // Both languages end the sentence with the link.
        after: String::new(),
        new_tab: td_string!(locale, opens_new_tab).to_owned(),
    });
    view! { <Checkbox id name="terms" label checked error check link /> }
}
