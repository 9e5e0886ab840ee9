//! Form components shared by the wizard's pages. Each component's props are its only inputs.

use crate::domain::rules::FieldRule;
use crate::domain::WorkspaceLanguage;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{page_locale, CountdownWords, FieldMessages};
use crate::pages::ErrorMessage;
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
}

/// A labelled text input with an optional hint and error, described by both. With `live`, a field that
/// came back with an error is re-checked in the browser as the buyer corrects it, by the same rule the server
/// applies ([`FieldRule`]) and in the same words; without JavaScript it is the same field, checked on submit.
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
    };
    match (live, error.is_some()) {
        (Some(rule), true) => {
            let messages = rule.messages(page_locale());
            view! { <LiveTextField props error rule messages /> }.into_any()
        }
        _ => field_markup(props, Signal::stored(error), None).into_any(),
    }
}

/// A text field that re-checks itself on every keystroke once it has shown an error.
#[island]
fn LiveTextField(props: FieldProps, error: Option<String>, rule: FieldRule, messages: FieldMessages) -> impl IntoView {
    let error = RwSignal::new(error);
    field_markup(props, error.into(), Some((rule, messages, error)))
}

fn field_markup(
    props: FieldProps,
    error: Signal<Option<String>>,
    live: Option<(FieldRule, FieldMessages, RwSignal<Option<String>>)>,
) -> impl IntoView {
    let FieldProps { id, label, optional, hint, value, kind, autocomplete, disabled, error_prefix } = props;
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
    let on_input = move |ev: leptos::ev::Event| {
        if let Some((rule, messages, signal)) = &live {
            signal.set(rule.validate(&event_target_value(&ev)).err().map(|e| messages.describe(e)));
        }
    };
    view! {
        <div class="form-group" class:form-group-error=move || error.get().is_some()>
            <label for=id.clone()>{label}{optional.map(|marker| view! { <span class="optional">{marker}</span> })}</label>
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{hint}</p> })}
            {move || {
                error.get().map(|message| view! { <ErrorMessage id=error_id.clone() message prefix=error_prefix.clone() /> })
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
                on:input=on_input
            />
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
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
            <label for=id>{t!(i18n, label_code)}</label>
            <p class="hint" id=hint_id>{t!(i18n, code_hint)}</p>
            {error.clone().map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
            <input class="input input-code" id=id name="code" inputmode="numeric" autocomplete="one-time-code"
                aria-describedby=described aria-invalid=error.as_ref().map(|_| "true") />
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
            <p class="visually-hidden" aria-live="polite">{move || announcement.get()}</p>
        </div>
    }
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
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
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

/// **I agree to the terms**. `id` names the checkbox (and prefixes its error); the form field is `terms`.
#[component]
pub(crate) fn TermsField(
    #[prop(default = "terms")] id: &'static str,
    checked: bool,
    error: Option<String>,
) -> impl IntoView {
    let label = td_string!(page_locale(), terms_label);
    view! { <Checkbox id name="terms" label checked error /> }
}

/// How a [`Button`] looks: the page's main action, or any other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ButtonKind {
    #[default]
    Primary,
    Secondary,
}

/// **Button**: a submit button, or with `href` a link that looks like one. `label_suffix` is read by screen
/// readers after the label (which workspace a row's button acts on); `intent` is sent as `intent=…` (for forms
/// with several actions); `small` for actions in a row; `disabled` cannot be pressed; `busy` shows work in
/// progress (a spinner, "please wait" for screen readers, presses ignored). With `busy_on_press` the button
/// turns busy itself when pressed and ignores further presses, so a buyer who presses Activate twice sends it
/// once (see [`Enhancements`]; without JavaScript the server's idempotent commit covers that).
#[component]
pub(crate) fn Button(
    #[prop(into)] label: String,
    #[prop(optional, into)] label_suffix: Option<String>,
    #[prop(optional)] kind: ButtonKind,
    #[prop(optional)] small: bool,
    #[prop(default = "submit")] button_type: &'static str,
    #[prop(optional)] intent: Option<&'static str>,
    #[prop(optional, into)] href: Option<String>,
    #[prop(optional)] disabled: bool,
    #[prop(optional)] busy: bool,
    #[prop(optional)] busy_on_press: bool,
) -> impl IntoView {
    let mut class = String::from("button");
    if kind == ButtonKind::Secondary {
        class.push_str(" button-secondary");
    }
    if small {
        class.push_str(" button-small");
    }
    let suffix = label_suffix.map(|s| view! { <span class="visually-hidden">{format!(" {s}")}</span> });
    let Some(href) = href else {
        if busy_on_press && !busy && !disabled {
            class.push_str(" busy-on-press");
        }
        let busy_text = format!(" – {}", td_string!(page_locale(), button_busy));
        return view! {
            <button
                class=class
                type=button_type
                name=intent.map(|_| "intent")
                value=intent
                disabled=disabled
                aria-disabled=busy.then_some("true")
                aria-busy=busy.then_some("true")
            >
                {label}
                {suffix}
                <span class="visually-hidden busy-text">{busy_text}</span>
            </button>
        }
        .into_any();
    };
    view! { <a class=class href=href>{label}{suffix}</a> }.into_any()
}

fn set_busy(el: &leptos::web_sys::Element, busy: bool) {
    for name in ["aria-busy", "aria-disabled"] {
        let _ = if busy { el.set_attribute(name, "true") } else { el.remove_attribute(name) };
    }
}

/// The page's progressive enhancements, by event delegation from one island without props (so they cost the
/// browser bundle a few hundred bytes however many buttons use them): **Show / Hide** buttons of password
/// fields appear and work; **busy-on-press** buttons turn busy when pressed and ignore further presses, and
/// are ready again when the buyer comes back to the page (Back, from the browser's cache).
#[island]
pub(crate) fn Enhancements() -> impl IntoView {
    use leptos::wasm_bindgen::JsCast;
    let each = |class: &str, f: &dyn Fn(&leptos::web_sys::Element)| {
        let found = document().get_elements_by_class_name(class);
        // Collected first: the collection is live.
        let all: Vec<_> = (0..found.length()).filter_map(|i| found.item(i)).collect();
        all.iter().for_each(f);
    };
    Effect::new(move |_| each("password-toggle", &|el| drop(el.remove_attribute("hidden"))));
    let _ = window_event_listener(leptos::ev::pageshow, move |_| each("busy-on-press", &|el| set_busy(el, false)));
    let _ = window_event_listener(leptos::ev::click, |ev| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok()) else { return };
        if let Ok(Some(toggle)) = target.closest(".password-toggle") {
            toggle_password(&toggle);
        } else if let Ok(Some(button)) = target.closest(".busy-on-press") {
            if button.has_attribute("aria-busy") {
                ev.prevent_default();
            } else {
                set_busy(&button, true);
            }
        }
    });
}

/// Shows or hides the password of the input a Show / Hide button controls, and changes the button's words
/// (kept in its `data-*` attributes, in the page's language).
fn toggle_password(toggle: &leptos::web_sys::Element) {
    let Some(field) = toggle.get_attribute("aria-controls").and_then(|id| document().get_element_by_id(&id)) else {
        return;
    };
    let showing = field.get_attribute("type").as_deref() == Some("text");
    let _ = field.set_attribute("type", if showing { "password" } else { "text" });
    let word = |name: &str| toggle.get_attribute(name).unwrap_or_default();
    let (text, label) = if showing { ("data-show", "data-show-label") } else { ("data-hide", "data-hide-label") };
    toggle.set_text_content(Some(&word(text)));
    let _ = toggle.set_attribute("aria-label", &word(label));
}

/// How a [`Notice`] reads: information, a warning that needs the buyer's action, or a success.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum NoticeKind {
    #[default]
    Info,
    Warning,
    Success,
}

/// **Notification banner**: what just happened or what needs attention, announced politely
/// (`role="status"`; with `announce=false` a standing state, not announced). `title` is an optional heading;
/// `text` the message.
#[component]
pub(crate) fn Notice(
    #[prop(optional)] kind: NoticeKind,
    #[prop(optional, into)] title: Option<String>,
    #[prop(into)] text: String,
    #[prop(optional)] id: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
    #[prop(default = true)] announce: bool,
) -> impl IntoView {
    let class = match kind {
        NoticeKind::Info => "notice",
        NoticeKind::Warning => "notice notice-warning",
        NoticeKind::Success => "notice notice-success",
    };
    view! {
        <div class=class role=announce.then_some("status") id=id data-testid=testid>
            {title.map(|title| view! { <h2 class="notice-title">{title}</h2> })}
            <p>{text}</p>
        </div>
    }
}

/// **Summary list**: label / value rows ([`SummaryRow`]), as on Check your answers.
#[component]
pub(crate) fn SummaryList(#[prop(optional)] testid: Option<&'static str>, children: Children) -> impl IntoView {
    view! { <dl class="summary-list" data-testid=testid>{children()}</dl> }
}

/// One row of a [`SummaryList`]: `label`, the value (children), and with `change` a **Change** link to where
/// the answer was given (its accessible name says which answer).
#[component]
pub(crate) fn SummaryRow(
    #[prop(into)] label: String,
    #[prop(optional, into)] change: Option<String>,
    #[prop(optional)] testid: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let change_word = td_string!(page_locale(), change);
    let which = format!(" {}", label.to_lowercase());
    view! {
        <div class="summary-row">
            <dt>{label}</dt>
            <dd data-testid=testid>{children()}</dd>
            {change.map(|href| view! {
                <dd class="summary-action">
                    <a href=href>{change_word} <span class="visually-hidden">{which}</span></a>
                </dd>
            })}
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
            <select class="select" id=id name=id disabled=disabled aria-invalid=has_error.then_some("true")
                aria-describedby=has_error.then(|| error_id.clone())>
                <option value="" selected=selected.is_empty()>{td_string!(page_locale(), not_given)}</option>
                {options
                    .into_iter()
                    .map(|(code, text)| view! { <option value=code selected=selected == code>{text}</option> })
                    .collect_view()}
            </select>
        </div>
    }
}

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
) -> impl IntoView {
    let error_id = format!("{id}-error");
    view! {
        <div class="form-group" class:form-group-error=error.is_some()>
            {error.clone().map(|message| view! { <ErrorMessage id=error_id.clone() message /> })}
            <div class="checkbox">
                <input type="checkbox" id=id name=name value=value checked=checked disabled=disabled
                    aria-invalid=error.as_ref().map(|_| "true")
                    aria-describedby=error.as_ref().map(|_| error_id.clone()) />
                <label for=id>{label}</label>
            </div>
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
) -> impl IntoView {
    let locale = page_locale();
    let (show, show_label) = (td_string!(locale, password_show), td_string!(locale, password_show_label));
    view! {
        <div class="password-field">
            {match hint {
                Some(hint) => view! { <TextField id label hint kind="password" value="" autocomplete error /> }.into_any(),
                None => view! { <TextField id label kind="password" value="" autocomplete error /> }.into_any(),
            }}
            // Hidden until the page is live (see Enhancements): without JavaScript it could do nothing.
            <button type="button" class="button button-secondary button-small password-toggle" hidden=true
                aria-controls=id aria-label=show_label
                data-show=show data-hide=td_string!(locale, password_hide)
                data-show-label=show_label data-hide-label=td_string!(locale, password_hide_label)>
                {show}
            </button>
        </div>
    }
}

/// The design tokens of `style/main.css` keep WCAG AA contrast: 4.5:1 for text, 3:1 for borders of controls
/// and the focus ring.
#[cfg(test)]
mod design_tokens {
    fn token(css: &str, name: &str) -> (f64, f64, f64) {
        let start = css.find(&format!("--{name}: #")).unwrap_or_else(|| panic!("token --{name}")) + name.len() + 5;
        let hex = &css[start..start + 6];
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map(f64::from).expect("hex colour") / 255.0;
        (channel(0), channel(2), channel(4))
    }

    fn luminance((r, g, b): (f64, f64, f64)) -> f64 {
        let linear = |c: f64| if c <= 0.039_28 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) };
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    }

    fn contrast(css: &str, a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(token(css, a)), luminance(token(css, b)));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn colour_pairs_meet_wcag_aa() {
        let css = include_str!("../../style/main.css");
        for (fg, bg) in [
            ("text", "bg"),
            ("muted", "bg"),
            ("brand", "bg"),
            ("error", "bg"),
            ("success", "bg"),
            ("warning", "bg"),
            ("text", "panel"),
            ("muted", "panel"),
            ("brand", "panel"),
            ("text", "panel-hover"),
            ("on-brand", "brand"),
            ("on-brand", "brand-dark"),
            ("on-brand", "success"),
            ("text", "focus"),
        ] {
            let ratio = contrast(css, fg, bg);
            assert!(ratio >= 4.5, "--{fg} on --{bg}: {ratio:.2}:1 is under 4.5:1");
        }
        for (edge, bg) in [("border-strong", "bg"), ("error", "bg"), ("focus-ring-inner", "focus"), ("brand", "bg")] {
            let ratio = contrast(css, edge, bg);
            assert!(ratio >= 3.0, "--{edge} against --{bg}: {ratio:.2}:1 is under 3:1");
        }
    }
}
