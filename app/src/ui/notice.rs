//! Notices and summary lists.

use crate::i18n::td_string;
use crate::messages::page_locale;
use leptos::prelude::*;

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
    view! {
        <dl class="summary-list" data-testid=testid>
            {children()}
        </dl>
    }
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
            {change
                .map(|href| {
                    view! {
                        <dd class="summary-action">
                            <a href=href>{change_word} <span class="visually-hidden">{which}</span></a>
                        </dd>
                    }
                })}
        </div>
    }
}
