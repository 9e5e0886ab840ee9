//! Register branch, step 2 of 4: company information (company name, and the optional industry and size a
//! B2B form asks). Reachable only after step 1; the answers are kept in the session's draft.

use crate::domain::rules::FieldRule;
use crate::domain::{CompanySize, Industry};
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{company_size_label, industry_label, page_title};
use crate::paths::REGISTER_BASIC;
use crate::ui::{Button, Select, StepIndicator, TextField};
use crate::wizard::{wizard_page, Gate};
#[cfg(feature = "ssr")]
use crate::{
    paths::{ACTIVATE, REGISTER_COMPANY},
    wizard::{next_step, register_step, RegisterStep},
};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyForm {
    pub company_name: String,
    pub industry: String,
    pub company_size: String,
    pub errors: FormErrors,
}

/// Step 2's page data; redirects to step 1 when it is not complete.
#[server(endpoint = "register_company_page")]
pub async fn register_company_page() -> Result<Gate<CompanyForm>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match register_step(&ports, RegisterStep::Company).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    let flash = visit.take_flash(&ports).await?;
    let r = visit.draft.register;
    Ok(Gate::Show(CompanyForm {
        company_name: r.company_name,
        industry: r.industry,
        company_size: r.company_size,
        errors: flash.errors,
    }))
}

/// The step 2 form.
#[server(endpoint = "register_company")]
pub async fn register_company(
    company_name: Option<String>,
    industry: Option<String>,
    company_size: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::CompanyName;
    use crate::ssr::draft::Flash;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = register_step(&ports, RegisterStep::Company).await?.for_post(ACTIVATE) else {
        return Ok(());
    };
    let (company_name, industry, company_size) =
        (company_name.unwrap_or_default(), industry.unwrap_or_default(), company_size.unwrap_or_default());
    let locale = crate::messages::request_locale();
    let mut errors = FormErrors::default();
    if let Err(e) = CompanyName::parse(&company_name) {
        errors.push("company_name", FieldRule::CompanyName.describe(locale, e));
    }
    if Industry::parse_optional(&industry).is_err() {
        errors.push("industry", td_string!(locale, err_industry).to_owned());
    }
    if CompanySize::parse_optional(&company_size).is_err() {
        errors.push("company_size", td_string!(locale, err_company_size).to_owned());
    }
    let r = &mut visit.draft.register;
    r.company_name = company_name.trim().to_owned();
    r.industry = industry.trim().to_owned();
    r.company_size = company_size.trim().to_owned();
    r.company_done = errors.is_empty();
    let next = if errors.is_empty() { next_step(&visit.register_progress()) } else { REGISTER_COMPANY };
    visit.draft.flash = Flash { errors, notice: None };
    visit.finish(&ports, next).await
}

/// `/activate/register/company`.
#[component]
pub fn RegisterCompanyPage() -> impl IntoView {
    wizard_page(register_company_page, |form| view! { <CompanyFormView form /> }.into_any())
}

#[component]
fn CompanyFormView(form: CompanyForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !form.errors.is_empty();
    let error = |field: &str| form.errors.field(field);
    let action = <RegisterCompany as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, company_title)) />
        <a class="back-link" href=REGISTER_BASIC>
            {t!(i18n, back)}
        </a>
        {has_errors.then(|| view! { <crate::ui::ErrorSummary errors=form.errors.clone() /> })}
        <StepIndicator step=2 total=crate::wizard::REGISTER_STEPS />
        <h1>{t!(i18n, company_title)}</h1>
        <form id="page-form" method="post" action=action novalidate>
            <TextField
                live=FieldRule::CompanyName
                id="company_name"
                label=td_string!(locale, answer_company_name)
                value=form.company_name.clone()
                autocomplete="organization"
                error=error("company_name")
            />
            <Select
                id="industry"
                label=td_string!(locale, label_industry)
                optional=true
                options=Industry::ALL.iter().map(|i| (i.code(), industry_label(locale, *i).to_owned())).collect()
                selected=form.industry.clone()
                error=error("industry")
            />
            <Select
                id="company_size"
                label=td_string!(locale, label_company_size)
                optional=true
                options=CompanySize::ALL.iter().map(|s| (s.code(), company_size_label(locale, *s).to_owned())).collect()
                selected=form.company_size.clone()
                error=error("company_size")
            />
            <Button label=td_string!(locale, button_continue) />
        </form>
    }
}
