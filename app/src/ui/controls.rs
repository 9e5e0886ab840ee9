//! Buttons, and the page's progressive enhancements (one island).

use crate::i18n::td_string;
use crate::messages::page_locale;
use leptos::prelude::*;

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
    view! {
        <a class=class href=href>
            {label}
            {suffix}
        </a>
    }
    .into_any()
}

/// What a page shows once it is live: its **Show / Hide** buttons (also after a page change in the browser).
fn enhance_page() {
    let found = document().get_elements_by_class_name("password-toggle");
    let all: Vec<_> = (0..found.length()).filter_map(|i| found.item(i)).collect();
    for el in all {
        let _ = el.remove_attribute("hidden");
    }
}

fn set_busy(el: &leptos::web_sys::Element, busy: bool) {
    for name in ["aria-busy", "aria-disabled"] {
        let _ = if busy { el.set_attribute(name, "true") } else { el.remove_attribute(name) };
    }
}

/// The page's progressive enhancements, by event delegation from one island without props (so they cost the
/// browser bundle a few hundred bytes however many buttons use them): **Show / Hide** buttons of password
/// fields appear and work; **busy-on-press** buttons turn busy when pressed and ignore further presses, and
/// are ready again when the buyer comes back to the page (Back, from the browser's cache); Enter in the email
/// beside **Send code** sends the code.
#[island]
pub(crate) fn Enhancements() -> impl IntoView {
    use leptos::wasm_bindgen::JsCast;
    let each = |class: &str, f: &dyn Fn(&leptos::web_sys::Element)| {
        let found = document().get_elements_by_class_name(class);
        // Collected first: the collection is live.
        let all: Vec<_> = (0..found.length()).filter_map(|i| found.item(i)).collect();
        all.iter().for_each(f);
    };
    Effect::new(move |_| {
        enhance_page();
        #[cfg(feature = "hydrate")]
        super::navigation::install(enhance_page);
    });
    let _ = window_event_listener(leptos::ev::pageshow, move |_| each("busy-on-press", &|el| set_busy(el, false)));
    // Enter in a field that has its own button (the email beside Send code) presses that button rather than
    // submitting the step.
    let _ = window_event_listener(leptos::ev::keydown, |ev| {
        if ev.key() != "Enter" || ev.default_prevented() || ev.is_composing() {
            return;
        }
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let (Some(form), id) = (input.form(), input.id()) else { return };
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return;
        }
        let own = form.query_selector(&format!("button[data-check-only=\"{id}\"]")).ok().flatten();
        if let Some(button) = own.and_then(|b| b.dyn_into::<leptos::web_sys::HtmlElement>().ok()) {
            ev.prevent_default();
            button.click();
        }
    });
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
        let css = include_str!("../../../style/main.css");
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
            ("tag-text", "tag-bg"),
            ("tag-success-text", "tag-success-bg"),
            ("tag-muted-text", "tag-muted-bg"),
            ("tag-warning-text", "tag-warning-bg"),
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
