//! Pieces of the wizard's pages: the step indicator and a branch option.

use crate::domain::Branch;
use crate::i18n::td_string;
use leptos::prelude::*;

/// "Step N of M".
#[component]
pub fn StepIndicator(step: u8, total: u8) -> impl IntoView {
    let text = td_string!(crate::messages::page_locale(), step_indicator, step = step, total = total).to_string();
    view! {
        <p class="step-indicator" aria-current="step">
            {text}
        </p>
    }
}

#[component]
pub(crate) fn BranchOption(branch: Branch, label: &'static str, hint: &'static str, checked: bool) -> impl IntoView {
    let id = format!("branch-{}", branch.code());
    let hint_id = format!("{id}-hint");
    view! {
        <div class="radio">
            <input
                type="radio"
                id=id.clone()
                name="branch"
                value=branch.code()
                checked=checked
                aria-describedby=hint_id.clone()
            />
            <label for=id>{label}</label>
            <p class="hint" id=hint_id>
                {hint}
            </p>
        </div>
    }
}
