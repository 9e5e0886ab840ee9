//! Register branch, step 4 of 4: check your answers (each with a Change link back to its step, which then
//! returns here), **Activate**, and the completion page where the new workspace reads **Linked**.

use crate::api::AppError;
use crate::components::{Button, SummaryList, SummaryRow};
use crate::i18n::{t, td_string, use_i18n};
use crate::pages::{wizard_page, Step};
use crate::register::StepIndicator;
use crate::workspaces::{StateTag, WorkspaceRow};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// One answer on the check page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub label: String,
    pub value: String,
    /// Where its Change link goes (the step, at the field).
    pub change: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckData {
    pub aws_account: String,
    pub answers: Vec<Answer>,
    pub errors: Vec<(String, String)>,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use super::*;
    use crate::domain::{
        CompanyName, CompanySize, Email, Industry, Phone, Site, Username, WorkspaceLanguage, WorkspaceName,
    };
    use crate::draft::RegisterDraft;
    use crate::i18n::{td_string, Locale};
    use crate::ports::{Activated, NewAccount, NewWorkspace, OutgoingMail, Ports};

    fn answer(label: &str, value: impl Into<String>, change: &str) -> Answer {
        Answer { label: label.to_owned(), value: value.into(), change: change.to_owned() }
    }

    /// The answers in the order of the steps, as the buyer reads them.
    pub fn answers(r: &RegisterDraft, locale: Locale) -> Vec<Answer> {
        let not_given = || td_string!(locale, not_given).to_owned();
        use crate::messages::{company_size_label, industry_label, site_name};
        let site = Site::parse_aws(&r.site).map(|s| site_name(locale, s).to_owned()).unwrap_or_default();
        let industry =
            Industry::parse_optional(&r.industry).ok().flatten().map(|i| industry_label(locale, i).to_owned());
        let size = CompanySize::parse_optional(&r.company_size)
            .ok()
            .flatten()
            .map(|s| company_size_label(locale, s).to_owned());
        let language = WorkspaceLanguage::parse(&r.language).map(|l| l.name().to_owned()).unwrap_or_default();
        let phone = if r.phone.is_empty() { not_given() } else { r.phone.clone() };
        vec![
            answer(td_string!(locale, answer_site), site, "/activate/register#site-cn2"),
            answer(td_string!(locale, answer_username), r.username.clone(), "/activate/register#username"),
            answer(
                td_string!(locale, answer_password),
                td_string!(locale, answer_password_value),
                "/activate/register#password",
            ),
            answer(
                td_string!(locale, answer_email),
                td_string!(locale, answer_email_value, email = r.email.clone()).to_string(),
                "/activate/register#email",
            ),
            answer(td_string!(locale, answer_phone), phone, "/activate/register#phone"),
            answer(
                td_string!(locale, answer_company_name),
                r.company_name.clone(),
                "/activate/register/company#company_name",
            ),
            answer(
                td_string!(locale, answer_industry),
                industry.unwrap_or_else(not_given),
                "/activate/register/company#industry",
            ),
            answer(
                td_string!(locale, answer_company_size),
                size.unwrap_or_else(not_given),
                "/activate/register/company#company_size",
            ),
            answer(
                td_string!(locale, answer_workspace_name),
                r.workspace_name.clone(),
                "/activate/register/workspace#workspace_name",
            ),
            answer(td_string!(locale, answer_workspace_language), language, "/activate/register/workspace#language-en"),
            answer(
                td_string!(locale, answer_terms),
                td_string!(locale, answer_terms_value),
                "/activate/register/workspace#terms",
            ),
        ]
    }

    /// The draft as the store's input, or the step to revisit when an answer no longer holds (a draft
    /// written by an older version, say). The email must be the one proven by a code.
    pub fn collect(r: &RegisterDraft) -> Result<(NewAccount, NewWorkspace), &'static str> {
        const BASIC: &str = "/activate/register";
        const COMPANY: &str = "/activate/register/company";
        const WORKSPACE: &str = "/activate/register/workspace";
        let email = Email::parse(&r.email).map_err(|_| BASIC)?;
        if r.email_verified.as_deref() != Some(email.key().as_str()) {
            return Err(BASIC);
        }
        let account = NewAccount {
            username: Username::parse(&r.username).map_err(|_| BASIC)?,
            email,
            phone: Phone::parse_optional(&r.phone).map_err(|_| BASIC)?,
            password_hash: r.password_hash.clone().ok_or(BASIC)?,
            company_name: CompanyName::parse(&r.company_name).map_err(|_| COMPANY)?,
            industry: Industry::parse_optional(&r.industry).map_err(|_| COMPANY)?.map(|i| i.code().to_owned()),
            company_size: CompanySize::parse_optional(&r.company_size)
                .map_err(|_| COMPANY)?
                .map(|s| s.code().to_owned()),
        };
        if !r.terms {
            return Err(WORKSPACE);
        }
        let workspace = NewWorkspace {
            name: WorkspaceName::parse(&r.workspace_name).map_err(|_| WORKSPACE)?,
            site: Site::parse_aws(&r.site).map_err(|_| BASIC)?,
            language: WorkspaceLanguage::parse(&r.language).map_err(|_| WORKSPACE)?,
        };
        Ok((account, workspace))
    }

    /// The "activated" notice with the next steps. A failure is logged: the activation itself stands.
    pub async fn mail_activated(ports: &Ports, locale: Locale, to: &Email, done: &Activated) {
        let row = WorkspaceRow {
            id: done.workspace_id,
            name: done.workspace_name.clone(),
            site_code: done.site_code.clone(),
            language_code: done.language_code.clone(),
            state: crate::workspaces::WorkspaceState::Linked,
        };
        let base = ports.public_url.as_str();
        let text = td_string!(
            locale,
            mail_activated_text,
            name = row.name.as_str(),
            site = row.site_name(locale),
            language = row.language_name(),
            account = done.aws_account_id.display_grouped(),
            base = base,
            username = done.username.as_str()
        )
        .to_string();
        let mail = OutgoingMail {
            to: to.as_str().to_owned(),
            subject: td_string!(locale, mail_activated_subject, name = row.name.as_str()).to_string(),
            text,
            valid_until: None,
        };
        if let Err(e) = ports.mailer.send(mail).await {
            leptos::logging::error!("activated notice for workspace {} not sent: {e}", done.workspace_id);
        }
    }
}

/// Step 4's page data: every answer, with a Change link each.
#[server(endpoint = "register_check_page")]
pub async fn register_check_page() -> Result<Step<CheckData>, AppError> {
    let ports = crate::api::ports()?;
    let (key, mut draft) = match crate::register_company::step_page(&ports, 4).await? {
        Ok(found) => found,
        Err(step) => return Ok(step),
    };
    let flash = crate::register::server::take_flash(&ports, &key, &mut draft).await?;
    let summary = crate::register::server::active(&ports).await?.ok().map(|(_, summary)| summary);
    Ok(Step::Show(CheckData {
        aws_account: summary.map(|s| s.aws_account_id.display_grouped()).unwrap_or_default(),
        answers: server::answers(&draft.register, leptos_i18n::locale::resolve_locale::<crate::i18n::Locale>()),
        errors: flash.errors,
    }))
}

/// **Activate**: creates everything in one transaction (idempotent per session), mails the notice once,
/// and shows the completion page.
#[server(endpoint = "register_activate")]
pub async fn register_activate() -> Result<(), AppError> {
    use crate::api::unavailable;
    use crate::draft::Flash;
    use crate::ports::{now, ActivateRefusal};
    use crate::register_company::{earlier_step, post_progress, DONE};
    let ports = crate::api::ports()?;
    let Some((key, mut draft)) = post_progress(&ports).await? else {
        return Ok(());
    };
    if let Some(step) = earlier_step(&draft.register, 4) {
        leptos_axum::redirect(step);
        return Ok(());
    }
    let (account, workspace) = match server::collect(&draft.register) {
        Ok(input) => input,
        Err(step) => {
            // An answer no longer holds: that step is open again, and the buyer answers it once more.
            let r = &mut draft.register;
            match step {
                "/activate/register" => r.basic_done = false,
                "/activate/register/company" => r.company_done = false,
                _ => r.workspace_done = false,
            }
            crate::register::server::save(&ports, &key, &draft).await?;
            leptos_axum::redirect(step);
            return Ok(());
        }
    };
    match ports.store.activate_register(&key, &account, &workspace, now()).await.map_err(unavailable)? {
        Ok(outcome) => {
            if outcome.first {
                let done = &outcome.activated;
                let detail = format!(
                    "account {}, billing account {}, workspace {} billed to AWS account {}",
                    done.account_id,
                    done.billing_account_id,
                    done.workspace_id,
                    done.aws_account_id.as_str()
                );
                let subject = crate::security_log::Subject::Account(done.account_id);
                crate::security_log::record(crate::security_log::Event::Activated, subject, detail).await;
                let locale = leptos_i18n::locale::resolve_locale::<crate::i18n::Locale>();
                server::mail_activated(&ports, locale, &account.email, &outcome.activated).await;
            }
            draft.register.activated = true;
            draft.register.password_hash = None;
            draft.flash = Flash::default();
            crate::register::server::save(&ports, &key, &draft).await?;
            leptos_axum::redirect(DONE);
        }
        Err(ActivateRefusal::UsernameTaken) => {
            draft.register.basic_done = false;
            draft.flash = Flash {
                errors: vec![(
                    "username".to_owned(),
                    crate::i18n::td_string!(
                        leptos_i18n::locale::resolve_locale::<crate::i18n::Locale>(),
                        username_taken_meanwhile
                    )
                    .to_owned(),
                )],
                notice: None,
            };
            crate::register::server::save(&ports, &key, &draft).await?;
            leptos_axum::redirect("/activate/register");
        }
        Err(ActivateRefusal::SessionGone) => leptos_axum::redirect("/activate"),
        // Another session of this AWS account set its billing account meanwhile.
        Err(ActivateRefusal::AlreadyActivated) => {
            if let Ok((_, summary)) = crate::register::server::active(&ports).await? {
                crate::register::server::refuse_when_activated(&ports, &key, &summary, &mut draft).await?;
            } else {
                leptos_axum::redirect("/activate");
            }
        }
    }
    Ok(())
}

/// `/activate/register/check`.
#[component]
pub fn RegisterCheckPage() -> impl IntoView {
    wizard_page(register_check_page, |data| view! { <CheckView data /> }.into_any())
}

#[component]
fn CheckView(data: CheckData) -> impl IntoView {
    let CheckData { aws_account, answers, errors } = data;
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !errors.is_empty();
    let action = <RegisterActivate as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=format!(
            "{}{}",
            if has_errors { td_string!(locale, error_prefix) } else { "" },
            td_string!(locale, check_title)
        ) />
        <a class="back-link" href="/activate/register/workspace">{t!(i18n, back)}</a>
        {has_errors.then(|| view! { <crate::pages::ErrorSummary items=errors.clone() /> })}
        <StepIndicator step=4 />
        <h1>{t!(i18n, check_title)}</h1>
        <SummaryList>
            {answers
                .into_iter()
                .map(|a| view! { <SummaryRow label=a.label change=a.change>{a.value}</SummaryRow> })
                .collect_view()}
        </SummaryList>
        <h2>{t!(i18n, check_now_activate)}</h2>
        <p>
            {t!(i18n, check_activate_explained)} <strong>{aws_account}</strong>
            {t!(i18n, check_activate_explained_after)}
        </p>
        <form method="post" action=action>
            <Button label=td_string!(locale, button_activate) busy_on_press=true />
        </form>
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoneData {
    pub workspace: WorkspaceRow,
    pub username: String,
    pub aws_account: String,
}

/// The completion page's data: what Activate created, read back from the store.
#[server(endpoint = "register_done_page")]
pub async fn register_done_page() -> Result<Step<DoneData>, AppError> {
    use crate::api::unavailable;
    use crate::register_company::{next_step, progress, Progress};
    let ports = crate::api::ports()?;
    let (key, draft) = match progress(&ports).await? {
        Progress::Found(key, draft) => (key, *draft),
        Progress::NoSession { ended } => return Ok(Step::NoSession { ended }),
        Progress::Refused => return Ok(Step::Redirected),
    };
    let Some(done) = ports.store.activated(&key).await.map_err(unavailable)? else {
        leptos_axum::redirect(next_step(&draft.register));
        return Ok(Step::Redirected);
    };
    Ok(Step::Show(DoneData {
        workspace: WorkspaceRow {
            id: done.workspace_id,
            name: done.workspace_name,
            site_code: done.site_code,
            language_code: done.language_code,
            state: crate::workspaces::WorkspaceState::Linked,
        },
        username: done.username,
        aws_account: done.aws_account_id.display_grouped(),
    }))
}

/// **Confirm** on a completion page: activation is finished — the activation session ends (its cookie is
/// cleared and it is gone from the store: nobody at this browser can go on as this AWS account) — and the
/// buyer logs in.
#[server(endpoint = "finish_activation")]
pub async fn finish_activation() -> Result<(), AppError> {
    use crate::api::unavailable;
    let ports = crate::api::ports()?;
    if let Some(id) = crate::api::session_id().await {
        ports.store.end_session(&id.key()).await.map_err(unavailable)?;
        let name = crate::session::cookie_name(!ports.dev_mode);
        crate::api::set_cookie(&format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"))?;
    }
    leptos_axum::redirect("/login");
    Ok(())
}

/// `/activate/register/done`.
#[component]
pub fn RegisterDonePage() -> impl IntoView {
    wizard_page(register_done_page, |data| view! { <DoneView data /> }.into_any())
}

#[component]
fn DoneView(data: DoneData) -> impl IntoView {
    let DoneData { workspace, username, aws_account } = data;
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let finish = <FinishActivation as leptos::server_fn::ServerFn>::url();
    let (site, language, state) = (workspace.site_name(locale), workspace.language_name(), workspace.state);
    let name = workspace.name;
    view! {
        <Title text=td_string!(locale, done_title) />
        <div class="panel-success">
            <h1>{t!(i18n, done_title)}</h1>
            <p>{td_string!(locale, done_billed_to, account = aws_account).to_string()}</p>
        </div>
        <SummaryList testid="activated-workspace">
            <SummaryRow label=td_string!(locale, done_workspace)>{name}</SummaryRow>
            <SummaryRow label=td_string!(locale, answer_site)>{site}</SummaryRow>
            <SummaryRow label=td_string!(locale, answer_workspace_language)>{language}</SummaryRow>
            <SummaryRow label=td_string!(locale, done_settlement)><StateTag state /></SummaryRow>
        </SummaryList>
        <h2>{t!(i18n, done_next_heading)}</h2>
        <p>
            {td_string!(locale, done_next, username = username).to_string()}
        </p>
        <form method="post" action=finish>
            <Button label=td_string!(locale, button_confirm) busy_on_press=true />
        </form>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::server::{answers, collect};
    use crate::draft::RegisterDraft;

    fn complete() -> RegisterDraft {
        RegisterDraft {
            site: "us1".into(),
            username: "alice".into(),
            email: "Alice@Example.com".into(),
            email_verified: Some("alice@example.com".into()),
            password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
            basic_done: true,
            company_name: "Acme".into(),
            industry: "finance".into(),
            company_done: true,
            workspace_name: "Production".into(),
            language: "zh".into(),
            terms: true,
            workspace_done: true,
            ..Default::default()
        }
    }

    #[test]
    fn activate_takes_only_a_complete_draft_with_the_proven_email() {
        let (account, workspace) = collect(&complete()).expect("complete");
        assert_eq!(account.username.as_str(), "alice");
        assert_eq!(account.industry.as_deref(), Some("finance"));
        assert_eq!(workspace.site.code(), "us1");
        assert_eq!(workspace.language.code(), "zh");

        let unproven = RegisterDraft { email: "someone.else@example.com".into(), ..complete() };
        assert_eq!(collect(&unproven).err(), Some("/activate/register"), "the email must be the one a code proved");
        let no_hash = RegisterDraft { password_hash: None, ..complete() };
        assert_eq!(collect(&no_hash).err(), Some("/activate/register"));
        let no_terms = RegisterDraft { terms: false, ..complete() };
        assert_eq!(collect(&no_terms).err(), Some("/activate/register/workspace"));
        let bad_company = RegisterDraft { company_name: "A".into(), ..complete() };
        assert_eq!(collect(&bad_company).err(), Some("/activate/register/company"));
    }

    #[test]
    fn the_check_page_lists_every_answer_with_a_change_link_and_never_the_password() {
        let rows = answers(&complete(), crate::i18n::Locale::en);
        assert_eq!(rows.len(), 11);
        assert!(rows.iter().all(|a| a.change.starts_with("/activate/register")));
        let password = rows.iter().find(|a| a.label == "Password").expect("password row");
        assert_eq!(password.value, "Chosen (hidden)");
        assert!(rows.iter().any(|a| a.value == "International Region 1 (Oregon)"));
        assert!(rows.iter().any(|a| a.value == "Finance and insurance"));
        assert!(rows.iter().any(|a| a.label == "Phone" && a.value == "Not given"));
    }
}
