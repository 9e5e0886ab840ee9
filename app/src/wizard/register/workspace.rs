//! Register branch, step 3 of 4: the workspace (name, language — fixed at creation — and the terms).
//! Reachable only after steps 1 and 2; the answers are kept in the session's draft.

use crate::domain::rules::FieldRule;
#[cfg(feature = "ssr")]
use crate::domain::WorkspaceLanguage;
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
use crate::paths::REGISTER_COMPANY;
use crate::ui::StepIndicator;
use crate::ui::{Button, LanguageField, TermsField, TextField};
use crate::wizard::{wizard_page, Gate};
#[cfg(feature = "ssr")]
use crate::{
    paths::{ACTIVATE, REGISTER_WORKSPACE},
    wizard::{next_step, register_step, RegisterStep},
};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceForm {
    pub workspace_name: String,
    pub language: String,
    pub terms: bool,
    pub errors: FormErrors,
}

/// Step 3's page data; redirects to the first unfinished step.
#[server(endpoint = "register_workspace_page")]
pub async fn register_workspace_page() -> Result<Gate<WorkspaceForm>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match register_step(&ports, RegisterStep::Workspace).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    let flash = visit.take_flash(&ports).await?;
    let r = visit.draft.register;
    Ok(Gate::Show(WorkspaceForm {
        workspace_name: r.workspace_name,
        language: r.language,
        terms: r.terms,
        errors: flash.errors,
    }))
}

/// The step 3 form.
#[server(endpoint = "register_workspace")]
pub async fn register_workspace(
    workspace_name: Option<String>,
    language: Option<String>,
    terms: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::WorkspaceName;
    use crate::ssr::draft::Flash;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = register_step(&ports, RegisterStep::Workspace).await?.for_post(ACTIVATE) else {
        return Ok(());
    };
    let (workspace_name, language) = (workspace_name.unwrap_or_default(), language.unwrap_or_default());
    let terms = terms.is_some_and(|t| !t.is_empty());
    let locale = crate::messages::request_locale();
    let mut errors = FormErrors::default();
    if let Err(e) = WorkspaceName::parse(&workspace_name) {
        errors.push("workspace_name", FieldRule::WorkspaceName.describe(locale, e));
    }
    if WorkspaceLanguage::parse(&language).is_err() {
        errors.push("language-en", td_string!(locale, err_language_required).to_owned());
    }
    if !terms {
        errors.push("terms", td_string!(locale, err_terms).to_owned());
    }
    let r = &mut visit.draft.register;
    r.workspace_name = workspace_name.trim().to_owned();
    r.language = language.trim().to_owned();
    r.terms = terms;
    r.workspace_done = errors.is_empty();
    let next = if errors.is_empty() { next_step(&visit.register_progress()) } else { REGISTER_WORKSPACE };
    visit.draft.flash = Flash { errors, notice: None };
    visit.finish(&ports, next).await
}

/// `/activate/register/workspace`.
#[component]
pub fn RegisterWorkspacePage() -> impl IntoView {
    wizard_page(register_workspace_page, |form| view! { <WorkspaceFormView form /> }.into_any())
}

#[component]
fn WorkspaceFormView(form: WorkspaceForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !form.errors.is_empty();
    let error = |field: &str| form.errors.field(field);
    let language_error = form.errors.group("language");
    let terms_error = error("terms");
    let action = <RegisterWorkspace as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, workspace_title)) />
        <a class="back-link" href=REGISTER_COMPANY>
            {t!(i18n, back)}
        </a>
        {has_errors.then(|| view! { <crate::ui::ErrorSummary errors=form.errors.clone() /> })}
        <StepIndicator step=3 total=crate::wizard::REGISTER_STEPS />
        <h1>{t!(i18n, workspace_title)}</h1>
        <form id="page-form" method="post" action=action novalidate>
            <TextField
                live=FieldRule::WorkspaceName
                id="workspace_name"
                label=td_string!(locale, answer_workspace_name)
                hint=td_string!(locale, workspace_name_hint)
                value=form.workspace_name.clone()
                autocomplete="off"
                error=error("workspace_name")
            />
            <LanguageField selected=form.language.clone() error=language_error />
            <TermsField checked=form.terms error=terms_error />
            <Button label=td_string!(locale, button_continue) />
        </form>
    }
}
