//! Form components shared by the wizard's pages. Each component's props are its only inputs.

use crate::domain::WorkspaceLanguage;
use crate::pages::ErrorMessage;
use leptos::prelude::*;

/// A labelled text input with an optional hint and error, described by both.
#[component]
pub(crate) fn TextField(
    id: &'static str,
    label: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(into)] value: String,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    error: Option<String>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described = [hint.map(|_| hint_id.clone()), error.as_ref().map(|_| error_id.clone())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let has_error = error.is_some();
    view! {
        <div class="form-group" class:form-group-error=has_error>
            <label for=id>{label}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id.clone()>{hint}</p> })}
            {error.map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
            <input
                class="input"
                id=id
                name=id
                type=kind
                value=value
                autocomplete=autocomplete
                aria-invalid=has_error.then_some("true")
                aria-describedby=(!described.is_empty()).then_some(described)
            />
        </div>
    }
}

/// **Verification code**: one input, `autocomplete="one-time-code"`, spaces ignored by the parser.
#[component]
pub(crate) fn CodeField(error: Option<String>) -> impl IntoView {
    let described = if error.is_some() { "code-hint code-error" } else { "code-hint" };
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
            <label for="code">"Verification code"</label>
            <p class="hint" id="code-hint">"The 6 digits from the email we sent"</p>
            {error.clone().map(|message| view! { <ErrorMessage id="code-error" message /> })}
            <input class="input input-code" id="code" name="code" inputmode="numeric" autocomplete="one-time-code"
                aria-describedby=described aria-invalid=error.as_ref().map(|_| "true") />
        </div>
    }
}

/// **Send code**: a submit button with `intent=send_code`. With JavaScript, after a code was sent to
/// `sent_to` it counts down the seconds until another may be asked for (shown beside it, announced in a live
/// region when it starts and when it ends) and ignores presses meanwhile — while the `field` (the input the
/// code goes to) still holds that address; without JavaScript the server answers an early press with the
/// seconds left.
#[island]
pub(crate) fn SendCodeButton(#[prop(into)] field: String, sent_to: String, wait_secs: i64) -> impl IntoView {
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
        announcement.set(format!("You can ask for a new code in {wait_secs} seconds"));
        let handle = std::rc::Rc::new(std::cell::Cell::new(None::<leptos::leptos_dom::helpers::IntervalHandle>));
        let own = handle.clone();
        let check = check.clone();
        let tick = move || {
            same_address.set(check());
            let next = (left.get_untracked() - 1).max(0);
            left.set(next);
            if next == 0 {
                announcement.set("You can ask for a new code now".to_owned());
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
                aria-describedby="send-code-wait"
                on:click=move |ev| {
                    if left.get_untracked() > 0 && field_holds_sent_address() {
                        ev.prevent_default();
                    }
                }
            >
                "Send code"
            </button>
            <span class="hint send-code-wait" id="send-code-wait">
                {move || waiting().then(|| format!("You can ask for a new code in {} s", left.get()))}
            </span>
            <p class="visually-hidden" aria-live="polite">{move || announcement.get()}</p>
        </div>
    }
}

/// **Workspace language** (English / 中文), with the warning that it is fixed at creation.
#[component]
pub(crate) fn LanguageField(selected: String, error: Option<String>) -> impl IntoView {
    let described = if error.is_some() { "language-warning language-error" } else { "language-warning" };
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
            <fieldset aria-describedby=described>
                <legend class="legend-s">"Workspace language"</legend>
                <p class="warning" id="language-warning">
                    <strong>
                        "The language is used for the workspace's event, alert and SMS templates. It cannot be changed later."
                    </strong>
                </p>
                {error.clone().map(|message| view! { <ErrorMessage id="language-error" message /> })}
                {[WorkspaceLanguage::English, WorkspaceLanguage::Chinese]
                    .into_iter()
                    .map(|language| {
                        let id = format!("language-{}", language.code());
                        view! {
                            <div class="radio">
                                <input type="radio" id=id.clone() name="language" value=language.code()
                                    checked=selected == language.code() />
                                <label for=id lang=language.code()>{language.name()}</label>
                            </div>
                        }
                    })
                    .collect_view()}
            </fieldset>
        </div>
    }
}

/// **I agree to the terms**.
#[component]
pub(crate) fn TermsField(checked: bool, error: Option<String>) -> impl IntoView {
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
            {error.clone().map(|message| view! { <ErrorMessage id="terms-error" message /> })}
            <div class="checkbox">
                <input type="checkbox" id="terms" name="terms" value="yes" checked=checked
                    aria-describedby=error.as_ref().map(|_| "terms-error") />
                <label for="terms">"I agree to the terms"</label>
            </div>
        </div>
    }
}
