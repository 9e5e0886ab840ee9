//! The browser's check of a form before it is sent (`navigation.rs` runs it on every submission it handles):
//! each field is checked by the rule the server applies ([`FieldRule`]) in the server's words, and when
//! anything is wrong nothing is sent — the errors are shown beside their fields and in an error summary, as
//! the server would show them. The server still checks everything; what only it can know (a taken username,
//! a wrong code) comes back with its page.
//!
//! Text fields with a live rule check themselves (their island, as when the buyer leaves them: marked
//! `data-live`); the other checked groups carry a [`BrowserCheck`] in `data-check` (a confirmation, a code, a
//! required choice) and are marked here.

use super::BrowserCheck;
use crate::domain::rules::FieldRule;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{self, Element, HtmlFormElement};

/// A field in error: the id the summary links to, and the message.
pub(super) type Problem = (String, String);

/// Checks `form`'s fields (with `only`, the one field of that id or name: Send code checks the address) and
/// marks each; the problems found, in the order of the fields.
pub(super) async fn check(form: &HtmlFormElement, only: Option<&str>) -> Vec<Problem> {
    let (Ok(data), Ok(found)) =
        (web_sys::FormData::new_with_form(form), form.query_selector_all("[data-check], input[data-live]"))
    else {
        return Vec::new();
    };
    let value = |name: &str| data.get(name).as_string().unwrap_or_default();
    let wanted = |name: &str| only.is_none_or(|only| only == name);
    let elements: Vec<Element> = (0..found.length()).filter_map(|i| found.item(i)?.dyn_into().ok()).collect();
    // A live field checks itself when the buyer leaves it: the same, now, for every one of them.
    for input in elements.iter().filter(|el| el.has_attribute("data-live") && wanted(&el.id())) {
        if let Ok(blur) = web_sys::FocusEvent::new("blur") {
            let _ = input.dispatch_event(&blur);
        }
    }
    // Their islands show the outcome in the executor's next turn.
    leptos::task::tick().await;
    leptos::task::tick().await;
    let mut problems = Vec::new();
    for el in elements {
        if el.has_attribute("data-live") {
            let id = el.id();
            if wanted(&id) && el.get_attribute("aria-invalid").as_deref() == Some("true") {
                problems.push((id.clone(), error_text(&format!("{id}-error"))));
            }
            continue;
        }
        let check = el.get_attribute("data-check").and_then(|json| serde_json::from_str::<BrowserCheck>(&json).ok());
        let Some(check) = check.filter(|check| wanted(&check.field)) else { continue };
        let typed = value(&check.field);
        let outcome = match (check.rule, &check.confirms) {
            (FieldRule::ConfirmPassword, Some(password)) => FieldRule::confirm(&value(password), &typed),
            (rule, _) => rule.validate(&typed),
        };
        match outcome {
            Ok(()) => unmark(&el, &check.field),
            Err(e) => {
                let message = check.messages.describe(e);
                mark(&el, &check.field, &message);
                problems.push((check.target, message));
            }
        }
    }
    problems
}

/// The words of the page's language that the server would use: `<main>`'s `data-*` (`PageLayout`).
fn word(name: &str) -> String {
    document().get_element_by_id("main").and_then(|main| main.get_attribute(name)).unwrap_or_default()
}

/// An error message's text without its hidden "Error: " prefix.
fn error_text(id: &str) -> String {
    let Some(el) = document().get_element_by_id(id) else { return String::new() };
    let full = el.text_content().unwrap_or_default();
    let prefix = el.query_selector(".visually-hidden").ok().flatten().and_then(|p| p.text_content());
    prefix.and_then(|p| full.strip_prefix(&p).map(str::to_owned)).unwrap_or(full)
}

/// The control the field's error describes: a group's fieldset, else its input or select.
fn described(group: &Element) -> Option<Element> {
    group
        .query_selector("fieldset")
        .ok()
        .flatten()
        .or_else(|| group.query_selector("input:not([type=radio]):not([type=hidden]), select").ok().flatten())
}

/// Shows `message` in `group` as the server renders a field's error (`ErrorMessage`, above the control).
fn mark(group: &Element, field: &str, message: &str) {
    let error_id = format!("{field}-error");
    let _ = group.class_list().add_1("form-group-error");
    let text = match document().get_element_by_id(&error_id) {
        Some(existing) => existing,
        None => {
            let Ok(p) = document().create_element("p") else { return };
            p.set_class_name("error-message");
            p.set_id(&error_id);
            let anchor = group.query_selector("input.input, select, .radio, .checkbox").ok().flatten();
            match anchor.as_ref().and_then(|a| Some((a.parent_node()?, a))) {
                Some((parent, anchor)) => drop(parent.insert_before(&p, Some(anchor))),
                None => drop(group.append_child(&p)),
            }
            p
        }
    };
    text.set_text_content(None);
    if let Ok(prefix) = document().create_element("span") {
        prefix.set_class_name("visually-hidden");
        prefix.set_text_content(Some(&word("data-error-prefix")));
        let _ = text.append_child(&prefix);
    }
    let _ = text.append_with_str_1(message);
    if let Some(control) = described(group) {
        if control.tag_name() != "FIELDSET" {
            let _ = control.set_attribute("aria-invalid", "true");
        }
        let ids = control.get_attribute("aria-describedby").unwrap_or_default();
        if !ids.split(' ').any(|id| id == error_id) {
            let _ = control.set_attribute(
                "aria-describedby",
                ids.split(' ')
                    .chain([error_id.as_str()])
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
                    .as_str(),
            );
        }
    }
}

/// Clears a field's error (the buyer has put it right since the page was shown).
fn unmark(group: &Element, field: &str) {
    let error_id = format!("{field}-error");
    let _ = group.class_list().remove_1("form-group-error");
    if let Some(text) = document().get_element_by_id(&error_id) {
        text.remove();
    }
    if let Some(control) = described(group) {
        let _ = control.remove_attribute("aria-invalid");
        let ids: Vec<String> = control
            .get_attribute("aria-describedby")
            .unwrap_or_default()
            .split(' ')
            .filter(|id| !id.is_empty() && *id != error_id)
            .map(str::to_owned)
            .collect();
        let _ = if ids.is_empty() {
            control.remove_attribute("aria-describedby")
        } else {
            control.set_attribute("aria-describedby", &ids.join(" "))
        };
    }
}

/// Shows the problems in an error summary where the server puts it (replacing the page's own), marks the
/// title, and moves focus to it (its `role="alert"` announces it).
pub(super) fn summarise(problems: &[Problem]) {
    let Some(main) = document().get_element_by_id("main") else { return };
    let Some(summary) = summary(problems) else { return };
    let existing = main.query_selector(".error-summary").ok().flatten();
    match existing {
        Some(old) => {
            let old = old.closest("leptos-island").ok().flatten().unwrap_or(old);
            let _ = old.replace_with_with_node_1(&summary);
        }
        None => {
            let anchor =
                main.query_selector(".step-indicator").ok().flatten().or(main.query_selector("h1").ok().flatten());
            match anchor.as_ref().and_then(|a| Some((a.parent_node()?, a))) {
                Some((parent, anchor)) => drop(parent.insert_before(&summary, Some(anchor))),
                None => drop(main.prepend_with_node_1(&summary)),
            }
        }
    }
    let prefix = word("data-error-prefix");
    let title = document().title();
    if !title.starts_with(&prefix) {
        document().set_title(&format!("{prefix}{title}"));
    }
    if let Ok(summary) = summary.dyn_into::<web_sys::HtmlElement>() {
        let _ = summary.focus();
        summary.scroll_into_view();
    }
}

/// The summary's markup, as `ErrorSummary` renders it.
fn summary(problems: &[Problem]) -> Option<Element> {
    let make = |tag: &str| document().create_element(tag).ok();
    let summary = make("div")?;
    summary.set_class_name("error-summary");
    for (name, value) in [("role", "alert"), ("tabindex", "-1"), ("aria-labelledby", "error-summary-title")] {
        let _ = summary.set_attribute(name, value);
    }
    let heading = make("h2")?;
    heading.set_id("error-summary-title");
    heading.set_text_content(Some(&word("data-error-summary-title")));
    let list = make("ul")?;
    for (target, message) in problems {
        let (item, link) = (make("li")?, make("a")?);
        let _ = link.set_attribute("href", &format!("#{target}"));
        link.set_text_content(Some(message));
        let _ = item.append_child(&link);
        let _ = list.append_child(&item);
    }
    let _ = summary.append_child(&heading);
    let _ = summary.append_child(&list);
    Some(summary)
}
