//! Register branch, step 2 of 4: company information (company name, and the optional industry and size a
//! B2B form asks). Reachable only after step 1; the answers are kept in the session's draft.

use crate::api::AppError;
use crate::components::{Button, Select, TextField};
use crate::domain::rules::FieldRule;
use crate::domain::{CompanySize, Industry};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{company_size_label, industry_label, page_title};
use crate::pages::{wizard_page, Step};
use crate::register::StepIndicator;
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyForm {
    pub company_name: String,
    pub industry: String,
    pub company_size: String,
    pub errors: Vec<(String, String)>,
}

/// Where the register branch stands for this request's session.
#[cfg(feature = "ssr")]
pub(crate) enum Progress {
    Found(crate::session::SessionKey, Box<crate::draft::Draft>),
    NoSession {
        ended: bool,
    },
    /// The AWS customer's billing account is set: the buyer was sent to Link workspace.
    Refused,
}

/// Which steps of the register branch are complete (the session's draft).
#[cfg(feature = "ssr")]
pub(crate) async fn progress(ports: &crate::ports::Ports) -> Result<Progress, AppError> {
    use crate::register::server::{active, load, refuse_when_activated};
    let (key, summary) = match active(ports).await? {
        Ok(active) => active,
        Err(ended) => return Ok(Progress::NoSession { ended }),
    };
    let mut draft = load(ports, &key).await?;
    if refuse_when_activated(ports, &key, &summary, &mut draft).await? {
        return Ok(Progress::Refused);
    }
    Ok(Progress::Found(key, Box::new(draft)))
}

/// [`progress`] for a form post: the session and draft, or `None` once the buyer has been sent elsewhere
/// (`/activate` without a session).
#[cfg(feature = "ssr")]
pub(crate) async fn post_progress(
    ports: &crate::ports::Ports,
) -> Result<Option<(crate::session::SessionKey, crate::draft::Draft)>, AppError> {
    Ok(match progress(ports).await? {
        Progress::Found(key, draft) => Some((key, *draft)),
        Progress::NoSession { .. } => {
            leptos_axum::redirect("/activate");
            None
        }
        Progress::Refused => None,
    })
}

/// Where an unfinished earlier step sends the buyer, if anywhere.
#[cfg(feature = "ssr")]
pub(crate) fn earlier_step(draft: &crate::draft::RegisterDraft, this_step: u8) -> Option<&'static str> {
    if draft.activated {
        Some(DONE)
    } else if !draft.basic_done {
        Some("/activate/register")
    } else if this_step > 2 && !draft.company_done {
        Some("/activate/register/company")
    } else if this_step > 3 && !draft.workspace_done {
        Some("/activate/register/workspace")
    } else {
        None
    }
}

/// The completion page, where every step sends the buyer once Activate has succeeded.
#[cfg(feature = "ssr")]
pub(crate) const DONE: &str = "/activate/register/done";

/// Where a completed step continues: the first unfinished step, or (every step done, e.g. after a Change
/// link on the check page) straight back to the check page.
#[cfg(feature = "ssr")]
pub(crate) fn next_step(draft: &crate::draft::RegisterDraft) -> &'static str {
    earlier_step(draft, 4).unwrap_or("/activate/register/check")
}

/// The session and draft for step `step`'s page, or what the page shows instead (no session, or a redirect to
/// the first unfinished step).
#[cfg(feature = "ssr")]
pub(crate) async fn step_page<T>(
    ports: &crate::ports::Ports,
    step: u8,
) -> Result<Result<(crate::session::SessionKey, crate::draft::Draft), Step<T>>, AppError> {
    let (key, draft) = match progress(ports).await? {
        Progress::Found(key, draft) => (key, *draft),
        Progress::NoSession { ended } => return Ok(Err(Step::NoSession { ended })),
        Progress::Refused => return Ok(Err(Step::Redirected)),
    };
    if let Some(earlier) = earlier_step(&draft.register, step) {
        leptos_axum::redirect(earlier);
        return Ok(Err(Step::Redirected));
    }
    Ok(Ok((key, draft)))
}

/// Step 2's page data; redirects to step 1 when it is not complete.
#[server(endpoint = "register_company_page")]
pub async fn register_company_page() -> Result<Step<CompanyForm>, AppError> {
    let ports = crate::api::ports()?;
    let (key, mut draft) = match step_page(&ports, 2).await? {
        Ok(found) => found,
        Err(step) => return Ok(step),
    };
    let flash = crate::register::server::take_flash(&ports, &key, &mut draft).await?;
    let r = draft.register;
    Ok(Step::Show(CompanyForm {
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
    use crate::draft::Flash;
    let ports = crate::api::ports()?;
    let Some((key, mut draft)) = post_progress(&ports).await? else {
        return Ok(());
    };
    if let Some(step) = earlier_step(&draft.register, 2) {
        leptos_axum::redirect(step);
        return Ok(());
    }
    let (company_name, industry, company_size) =
        (company_name.unwrap_or_default(), industry.unwrap_or_default(), company_size.unwrap_or_default());
    let locale = crate::messages::request_locale();
    let mut errors = Vec::new();
    if let Err(e) = CompanyName::parse(&company_name) {
        errors.push(("company_name".to_owned(), FieldRule::CompanyName.describe(locale, e)));
    }
    if Industry::parse_optional(&industry).is_err() {
        errors.push(("industry".to_owned(), td_string!(locale, err_industry).to_owned()));
    }
    if CompanySize::parse_optional(&company_size).is_err() {
        errors.push(("company_size".to_owned(), td_string!(locale, err_company_size).to_owned()));
    }
    let r = &mut draft.register;
    r.company_name = company_name.trim().to_owned();
    r.industry = industry.trim().to_owned();
    r.company_size = company_size.trim().to_owned();
    r.company_done = errors.is_empty();
    let next = if errors.is_empty() { next_step(r) } else { "/activate/register/company" };
    draft.flash = Flash { errors, notice: None };
    crate::register::server::save(&ports, &key, &draft).await?;
    leptos_axum::redirect(next);
    Ok(())
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
    let error = |field: &str| form.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m.clone());
    let action = <RegisterCompany as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, company_title)) />
        <a class="back-link" href="/activate/register">{t!(i18n, back)}</a>
        {has_errors.then(|| view! { <crate::pages::ErrorSummary items=form.errors.clone() /> })}
        <StepIndicator step=2 />
        <h1>{t!(i18n, company_title)}</h1>
        <form method="post" action=action novalidate>
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

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::earlier_step;
    use crate::draft::RegisterDraft;

    #[test]
    fn each_step_sends_the_buyer_to_the_first_unfinished_one() {
        let mut d = RegisterDraft::default();
        assert_eq!(earlier_step(&d, 2), Some("/activate/register"));
        assert_eq!(earlier_step(&d, 4), Some("/activate/register"));
        d.basic_done = true;
        assert_eq!(earlier_step(&d, 2), None);
        assert_eq!(earlier_step(&d, 3), Some("/activate/register/company"));
        d.company_done = true;
        assert_eq!(earlier_step(&d, 3), None);
        assert_eq!(earlier_step(&d, 4), Some("/activate/register/workspace"));
        d.workspace_done = true;
        assert_eq!(earlier_step(&d, 4), None);
        d.activated = true;
        assert_eq!(earlier_step(&d, 2), Some(super::DONE), "after Activate every step shows the outcome");
    }

    #[test]
    fn a_completed_step_continues_to_the_first_unfinished_one_or_back_to_the_check_page() {
        let mut d = RegisterDraft { basic_done: true, ..Default::default() };
        assert_eq!(super::next_step(&d), "/activate/register/company");
        d.company_done = true;
        assert_eq!(super::next_step(&d), "/activate/register/workspace");
        d.workspace_done = true;
        assert_eq!(super::next_step(&d), "/activate/register/check", "a Change link returns to the check page");
    }
}
