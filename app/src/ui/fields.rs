//! Form fields: text, password, code (with Send code), select, checkbox, language and terms. Each component's
//! props are its only inputs.

use super::{BrowserCheck, ErrorMessage};
use crate::domain::rules::FieldRule;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_locale, CountdownWords, FieldMessages};
use leptos::prelude::*;

/// What a text field shows; shared by the server-rendered field and its live (island) form.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FieldProps {
    pub id: String,
    pub label: String,
    /// " (optional)" after the label, in the page's language, for an answer that may be left empty.
    pub optional: Option<String>,
    pub hint: Option<String>,
    pub value: String,
    pub kind: String,
    pub autocomplete: Option<String>,
    pub disabled: bool,
    /// "Error: ", in the page's language (the island has no translation context of its own).
    pub error_prefix: String,
    /// The group's `data-check` ([`BrowserCheck`]) for a field that is not live.
    pub check: Option<String>,
}

/// A labelled text input with an optional hint and error, described by both. With `live`, the field is
/// checked in the browser by the same rule the server applies ([`FieldRule`], the domain type's `parse`) and
/// in the same words: when the buyer leaves it for another field (not for a button: the page would move under
/// the pointer, and the server answers the press anyway), then on every keystroke once it has shown an error.
/// The server still checks everything. Without JavaScript it is the same field, checked on submit.
/// `optional` marks an answer that may be left empty; `disabled` shows one that cannot be changed here.
/// `label` and `hint` are the page's translated words.
#[component]
pub(crate) fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    error: Option<String>,
    #[prop(optional)] live: Option<FieldRule>,
    #[prop(optional_no_strip)] check: Option<BrowserCheck>,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] optional: bool,
) -> impl IntoView {
    let props = FieldProps {
        id: id.to_owned(),
        label: label.to_owned(),
        optional: optional.then(|| td_string!(page_locale(), optional_marker).to_owned()),
        hint: hint.map(str::to_owned),
        value,
        kind: kind.to_owned(),
        autocomplete: autocomplete.map(str::to_owned),
        disabled,
        error_prefix: td_string!(page_locale(), error_prefix).to_owned(),
        check: check.and_then(|check| check.attr()),
    };
    match live {
        Some(rule) => {
            let messages = rule.messages(page_locale());
            view! { <LiveTextField props error rule messages /> }.into_any()
        }
        None => field_markup(props, Signal::stored(error), None).into_any(),
    }
}

/// A text field checked in the browser (see [`TextField`]).
#[island]
fn LiveTextField(props: FieldProps, error: Option<String>, rule: FieldRule, messages: FieldMessages) -> impl IntoView {
    let error = RwSignal::new(error);
    let live = Live { rule, messages, error, shown: RwSignal::new(error.get_untracked().is_some()) };
    field_markup(props, error.into(), Some(live))
}

/// What makes a field live: its rule, its words, the error it shows, and whether it has shown one yet (from
/// then on it is checked on every keystroke).
#[derive(Clone)]
struct Live {
    rule: FieldRule,
    messages: FieldMessages,
    error: RwSignal<Option<String>>,
    shown: RwSignal<bool>,
}

impl Live {
    /// Checks `value` and shows the outcome (from the first error on, every keystroke is checked).
    fn check(&self, value: &str) {
        let outcome = self.rule.validate(value).err().map(|e| self.messages.describe(e));
        if outcome.is_some() {
            self.shown.set(true);
        }
        self.error.set(outcome);
    }
}

fn field_markup(props: FieldProps, error: Signal<Option<String>>, live: Option<Live>) -> impl IntoView {
    let FieldProps { id, label, optional, hint, value, kind, autocomplete, disabled, error_prefix, check } = props;
    let is_live = live.is_some();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let has_hint = hint.is_some();
    let described = {
        let (hint_id, error_id) = (hint_id.clone(), error_id.clone());
        move || {
            let ids: Vec<&str> = [has_hint.then_some(hint_id.as_str()), error.get().map(|_| error_id.as_str())]
                .into_iter()
                .flatten()
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    let on_blur = {
        let live = live.clone();
        move |ev: leptos::ev::FocusEvent| {
            use leptos::wasm_bindgen::JsCast;
            let to_button = ev
                .related_target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "BUTTON" | "A"));
            if let Some(live) = live.as_ref().filter(|_| !to_button) {
                live.check(&event_target_value(&ev));
            }
        }
    };
    let on_input = move |ev: leptos::ev::Event| {
        if let Some(live) = live.as_ref().filter(|live| live.shown.get_untracked()) {
            live.check(&event_target_value(&ev));
        }
    };
    view! {
        <div class="form-group" class:form-group-error=move || error.get().is_some() data-check=check>
            <label for=id
                .clone()>{label}{optional.map(|marker| view! { <span class="optional">{marker}</span> })}</label>
            {hint
                .map(|hint| {
                    view! {
                        <p class="hint" id=hint_id>
                            {hint}
                        </p>
                    }
                })}
            {move || {
                error
                    .get()
                    .map(|message| view! { <ErrorMessage id=error_id.clone() message prefix=error_prefix.clone() /> })
            }}
            <input
                class="input"
                id=id.clone()
                name=id
                type=kind
                value=value
                autocomplete=autocomplete
                disabled=disabled
                aria-invalid=move || error.get().map(|_| "true")
                aria-describedby=described
                data-live=is_live.then_some("")
                on:input=on_input
                on:blur=on_blur
            />
        </div>
    }
}

/// **Password field**: a [`TextField`] of kind `password` with a **Show / Hide** toggle (JavaScript only:
/// hidden until the page is live, then [`Enhancements`] works it). Strength feedback is the server's: zxcvbn
/// is too large for the browser bundle, so a weak password comes back with the estimator's advice as the
/// field's error.
#[component]
pub(crate) fn PasswordField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(default = "current-password")] autocomplete: &'static str,
    error: Option<String>,
    /// Checked in the browser as it is typed (a new password's length: [`FieldRule::NewPassword`]).
    #[prop(optional)]
    live: bool,
    /// The id of the password this field confirms: checked in the browser before the form is sent
    /// ([`FieldRule::confirm`]).
    #[prop(optional)]
    confirms: Option<&'static str>,
) -> impl IntoView {
    let locale = page_locale();
    let (show, show_label) = (td_string!(locale, password_show), td_string!(locale, password_show_label));
    let check = confirms.map(|password| BrowserCheck {
        confirms: Some(password.to_owned()),
        ..BrowserCheck::new(id, FieldRule::ConfirmPassword, id)
    });
    view! {
        <div class="password-field">
            {match (hint, live) {
                (Some(hint), true) => {
                    view! {
                        <TextField
                            id
                            label
                            hint
                            kind="password"
                            value=""
                            autocomplete
                            error
                            live=FieldRule::NewPassword
                        />
                    }
                        .into_any()
                }
                (Some(hint), false) => {
                    view! { <TextField id label hint kind="password" value="" autocomplete error check /> }.into_any()
                }
                (None, true) => {
                    view! {
                        <TextField id label kind="password" value="" autocomplete error live=FieldRule::NewPassword />
                    }
                        .into_any()
                }
                (None, false) => {
                    view! { <TextField id label kind="password" value="" autocomplete error check /> }.into_any()
                }
            }} // Hidden until the page is live (see Enhancements): without JavaScript it could do nothing.
            <button
                type="button"
                class="button button-secondary button-small password-toggle"
                hidden=true
                aria-controls=id
                aria-label=show_label
                data-show=show
                data-hide=td_string!(locale, password_hide)
                data-show-label=show_label
                data-hide-label=td_string!(locale, password_hide_label)
            >
                {show}
            </button>
        </div>
    }
}

/// **Verification code**: one input, `autocomplete="one-time-code"`, spaces ignored by the parser. `id` names
/// the input (and prefixes its hint and error); the form field is always `code`.
#[component]
pub(crate) fn CodeField(#[prop(default = "code")] id: &'static str, error: Option<String>) -> impl IntoView {
    let i18n = use_i18n();
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let described = if error.is_some() { format!("{hint_id} {error_id}") } else { hint_id.clone() };
    let check = BrowserCheck::new("code", FieldRule::Code, id).attr();
    view! {
        <div class="form-group" class:form-group-error=error.is_some() data-check=check>
            <label for=id>{t!(i18n, label_code)}</label>
            <p class="hint" id=hint_id>
                {t!(i18n, code_hint)}
            </p>
            {error.clone().map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
            <input
                class="input input-code"
                id=id
                name="code"
                inputmode="numeric"
                autocomplete="one-time-code"
                aria-describedby=described
                aria-invalid=error.as_ref().map(|_| "true")
            />
        </div>
    }
}

/// **Send code**: a submit button with `intent=send_code`. With JavaScript, after a code was sent to
/// `sent_to` it counts down the seconds until another may be asked for (shown beside it, announced in a live
/// region when it starts and when it ends) and ignores presses meanwhile — while the `field` (the input the
/// code goes to) still holds that address; without JavaScript the server answers an early press with the
/// seconds left.
#[component]
pub(crate) fn SendCodeButton(#[prop(into)] field: String, sent_to: String, wait_secs: i64) -> impl IntoView {
    let words = CountdownWords::new(page_locale());
    view! { <SendCodeCountdown field sent_to wait_secs words /> }
}

#[island]
fn SendCodeCountdown(field: String, sent_to: String, wait_secs: i64, words: CountdownWords) -> impl IntoView {
    let CountdownWords { button, wait, announce_wait, announce_ready } = words;
    let wait_id = format!("{field}-wait");
    // The browser checks only the address before a code is sent (`checks.rs`).
    let checked = field.clone();
    let left = RwSignal::new(0_i64);
    let same_address = RwSignal::new(true);
    let announcement = RwSignal::new(String::new());
    let field_holds_sent_address = move || {
        let value = document()
            .get_element_by_id(&field)
            .and_then(|el| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlInputElement>(el).ok())
            .map(|input| input.value())
            .unwrap_or_default();
        value.trim().eq_ignore_ascii_case(sent_to.trim())
    };
    let check = field_holds_sent_address.clone();
    // Effects run only in the browser: the server renders the plain button.
    Effect::new(move |_| {
        if wait_secs <= 0 {
            return;
        }
        left.set(wait_secs);
        announcement.set(CountdownWords::fill(&announce_wait, wait_secs));
        let handle = std::rc::Rc::new(std::cell::Cell::new(None::<leptos::leptos_dom::helpers::IntervalHandle>));
        let own = handle.clone();
        let check = check.clone();
        let announce_ready = announce_ready.clone();
        let tick = move || {
            same_address.set(check());
            let next = (left.get_untracked() - 1).max(0);
            left.set(next);
            if next == 0 {
                announcement.set(announce_ready.clone());
                if let Some(h) = own.take() {
                    h.clear();
                }
            }
        };
        if let Ok(h) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
            handle.set(Some(h));
        }
    });
    let waiting = move || left.get() > 0 && same_address.get();
    view! {
        <div class="form-group send-code">
            <button
                type="submit"
                name="intent"
                value="send_code"
                class="button button-secondary"
                aria-disabled=move || waiting().then_some("true")
                aria-describedby=wait_id.clone()
                data-check-only=checked
                on:click=move |ev| {
                    if left.get_untracked() > 0 && field_holds_sent_address() {
                        ev.prevent_default();
                    }
                }
            >
                {button}
            </button>
            <span class="hint send-code-wait" id=wait_id>
                {move || waiting().then(|| CountdownWords::fill(&wait, left.get()))}
            </span>
            <p class="visually-hidden" aria-live="polite">
                {move || announcement.get()}
            </p>
        </div>
    }
}

/// **Select**: a labelled drop-down with a first "Not given" option. `id` is also the form field's name;
/// `optional` marks it as one that may be left empty.
#[component]
pub(crate) fn Select(
    id: &'static str,
    #[prop(into)] label: String,
    options: Vec<(&'static str, String)>,
    #[prop(into)] selected: String,
    error: Option<String>,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] optional: bool,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let has_error = error.is_some();
    let marker = optional.then(|| td_string!(page_locale(), optional_marker));
    view! {
        <div class="form-group" class:form-group-error=has_error>
            <label for=id>{label}{marker.map(|marker| view! { <span class="optional">{marker}</span> })}</label>
            {error.map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
            <select
                class="select"
                id=id
                name=id
                disabled=disabled
                aria-invalid=has_error.then_some("true")
                aria-describedby=has_error.then(|| error_id.clone())
            >
                <option value="" selected=selected.is_empty()>
                    {td_string!(page_locale(), not_given)}
                </option>
                {options
                    .into_iter()
                    .map(|(code, text)| {
                        view! {
                            <option value=code selected=selected == code>
                                {text}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
