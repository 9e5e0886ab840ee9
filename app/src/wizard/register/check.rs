//! Register branch, step 4 of 4: check your answers (each with a Change link back to its step, which then
//! returns here), **Activate**, and the completion page where the new workspace reads **Linked**.

use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::paths::REGISTER_WORKSPACE;
use crate::ui::StepIndicator;
use crate::ui::{Button, SummaryList, SummaryRow};
#[cfg(feature = "ssr")]
use crate::wizard::{refuse_when_activated, register_step, visit as visit_again, RegisterStep};
use crate::wizard::{wizard_page, Gate};
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

/// The answers of one step, under its heading (Basic information, Company information, Workspace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerGroup {
    pub heading: String,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckData {
    pub aws_account: String,
    pub answers: Vec<AnswerGroup>,
    pub errors: FormErrors,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::domain::workspace::WorkspaceRow;
    use crate::domain::{
        CompanyName, CompanySize, Email, Industry, Phone, Site, Username, WorkspaceLanguage, WorkspaceName,
    };
    use crate::i18n::{td_string, Locale};
    use crate::paths::{REGISTER_BASIC, REGISTER_COMPANY};
    use crate::ssr::draft::RegisterDraft;
    use crate::ssr::ports::{Activated, NewAccount, NewWorkspace, OutgoingMail, Ports};

    fn answer(label: &str, value: impl Into<String>, change: &str) -> Answer {
        Answer { label: label.to_owned(), value: value.into(), change: change.to_owned() }
    }

    /// The answers in the order of the steps, as the buyer reads them, grouped by step.
    pub fn answers(r: &RegisterDraft, locale: Locale) -> Vec<AnswerGroup> {
        use crate::messages::{company_size_label, industry_label, site_name};
        let not_given = || td_string!(locale, not_given).to_owned();
        let site = Site::parse_aws(&r.site).map(|s| site_name(locale, s).to_owned()).unwrap_or_default();
        let industry =
            Industry::parse_optional(&r.industry).ok().flatten().map(|i| industry_label(locale, i).to_owned());
        let size = CompanySize::parse_optional(&r.company_size)
            .ok()
            .flatten()
            .map(|s| company_size_label(locale, s).to_owned());
        let language = WorkspaceLanguage::parse(&r.language).map(|l| l.name().to_owned()).unwrap_or_default();
        let phone = if r.phone.is_empty() { not_given() } else { r.phone.clone() };
        let mut all = vec![
            answer(td_string!(locale, answer_site), site, &format!("{REGISTER_BASIC}#site-cn2")),
            answer(td_string!(locale, answer_username), r.username.clone(), &format!("{REGISTER_BASIC}#username")),
            answer(
                td_string!(locale, answer_password),
                td_string!(locale, answer_password_value),
                &format!("{REGISTER_BASIC}#password"),
            ),
            answer(
                td_string!(locale, answer_email),
                td_string!(locale, answer_email_value, email = r.email.clone()).to_string(),
                &format!("{REGISTER_BASIC}#email"),
            ),
            answer(td_string!(locale, answer_phone), phone, &format!("{REGISTER_BASIC}#phone")),
            answer(
                td_string!(locale, answer_company_name),
                r.company_name.clone(),
                &format!("{REGISTER_COMPANY}#company_name"),
            ),
            answer(
                td_string!(locale, answer_industry),
                industry.unwrap_or_else(not_given),
                &format!("{REGISTER_COMPANY}#industry"),
            ),
            answer(
                td_string!(locale, answer_company_size),
                size.unwrap_or_else(not_given),
                &format!("{REGISTER_COMPANY}#company_size"),
            ),
            answer(
                td_string!(locale, answer_workspace_name),
                r.workspace_name.clone(),
                &format!("{REGISTER_WORKSPACE}#workspace_name"),
            ),
            answer(
                td_string!(locale, answer_workspace_language),
                language,
                &format!("{REGISTER_WORKSPACE}#language-en"),
            ),
            answer(
                td_string!(locale, answer_terms),
                td_string!(locale, answer_terms_value),
                &format!("{REGISTER_WORKSPACE}#terms"),
            ),
        ];
        // Steps 1, 2 and 3: five, three and three answers.
        let workspace = all.split_off(8);
        let company = all.split_off(5);
        let group = |heading: &str, answers| AnswerGroup { heading: heading.to_owned(), answers };
        vec![
            group(td_string!(locale, basic_title), all),
            group(td_string!(locale, company_title), company),
            group(td_string!(locale, workspace_title), workspace),
        ]
    }

    /// The draft as the store's input, or the step to revisit when an answer no longer holds (a draft
    /// written by an older version, say). The email must be the one proven by a code.
    pub fn collect(r: &RegisterDraft) -> Result<(NewAccount, NewWorkspace), RegisterStep> {
        use RegisterStep::{Basic as BASIC, Company as COMPANY, Workspace as WORKSPACE};
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
            state: crate::domain::workspace::WorkspaceState::Linked,
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
pub async fn register_check_page() -> Result<Gate<CheckData>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match register_step(&ports, RegisterStep::Check).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    let flash = visit.take_flash(&ports).await?;
    Ok(Gate::Show(CheckData {
        aws_account: visit.summary.aws_account_id.display_grouped(),
        answers: ssr::answers(&visit.draft.register, leptos_i18n::locale::resolve_locale::<crate::i18n::Locale>()),
        errors: flash.errors,
    }))
}

/// **Activate**: creates everything in one transaction (idempotent per session), mails the notice once,
/// and shows the completion page.
#[server(endpoint = "register_activate")]
pub async fn register_activate() -> Result<(), AppError> {
    use crate::paths::{ACTIVATE, REGISTER_DONE};
    use crate::ssr::draft::Flash;
    use crate::ssr::ports::{now, ActivateRefusal};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = register_step(&ports, RegisterStep::Check).await?.for_post(ACTIVATE) else {
        return Ok(());
    };
    let (account, workspace) = match ssr::collect(&visit.draft.register) {
        Ok(input) => input,
        Err(step) => {
            // An answer no longer holds: that step is open again, and the buyer answers it once more.
            let r = &mut visit.draft.register;
            match step {
                RegisterStep::Basic => r.basic_done = false,
                RegisterStep::Company => r.company_done = false,
                RegisterStep::Workspace | RegisterStep::Check => r.workspace_done = false,
            }
            return visit.finish(&ports, step.path()).await;
        }
    };
    let key = &visit.key;
    match ports.store.activate_register(key, &account, &workspace, now()).await.map_err(unavailable)? {
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
                let subject = crate::ssr::security_log::Subject::Account(done.account_id);
                crate::ssr::security_log::record(crate::ssr::security_log::Event::Activated, subject, detail).await;
                let locale = leptos_i18n::locale::resolve_locale::<crate::i18n::Locale>();
                ssr::mail_activated(&ports, locale, &account.email, &outcome.activated).await;
            }
            visit.draft.register.activated = true;
            visit.draft.register.password_hash = None;
            visit.draft.flash = Flash::default();
            visit.finish(&ports, REGISTER_DONE).await?;
        }
        Err(ActivateRefusal::UsernameTaken) => {
            visit.draft.register.basic_done = false;
            visit.draft.flash = Flash {
                errors: FormErrors::one(
                    "username",
                    crate::i18n::td_string!(
                        leptos_i18n::locale::resolve_locale::<crate::i18n::Locale>(),
                        username_taken_meanwhile
                    ),
                ),
                notice: None,
            };
            visit.finish(&ports, RegisterStep::Basic.path()).await?;
        }
        Err(ActivateRefusal::SessionGone) => leptos_axum::redirect(ACTIVATE),
        // Another session of this AWS account set its billing account meanwhile.
        Err(ActivateRefusal::AlreadyActivated) => match visit_again(&ports).await?.shown::<()>() {
            Ok(mut visit) => {
                refuse_when_activated(&ports, &mut visit).await?;
            }
            Err(_) => leptos_axum::redirect(ACTIVATE),
        },
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
            td_string!(locale, check_title),
        ) />
        <a class="back-link" href=REGISTER_WORKSPACE>
            {t!(i18n, back)}
        </a>
        {has_errors.then(|| view! { <crate::ui::ErrorSummary errors=errors.clone() /> })}
        <StepIndicator step=4 total=crate::wizard::REGISTER_STEPS />
        <h1>{t!(i18n, check_title)}</h1>
        {answers
            .into_iter()
            .map(|group| {
                view! {
                    <h2 class="summary-heading">{group.heading}</h2>
                    <SummaryList>
                        {group
                            .answers
                            .into_iter()
                            .map(|a| {
                                view! {
                                    <SummaryRow label=a.label change=a.change>
                                        {a.value}
                                    </SummaryRow>
                                }
                            })
                            .collect_view()}
                    </SummaryList>
                }
            })
            .collect_view()}
        <h2>{t!(i18n, check_now_activate)}</h2>
        <p>
            {t!(i18n, check_activate_explained)} <strong class="aws-account">{aws_account}</strong>
            {t!(i18n, check_activate_explained_after)}
        </p>
        <form method="post" action=action>
            <Button label=td_string!(locale, button_activate) busy_on_press=true />
        </form>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::ssr::{answers, collect};
    use crate::ssr::draft::RegisterDraft;
    use crate::wizard::RegisterStep;

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
        assert_eq!(
            collect(&unproven).err().map(RegisterStep::path),
            Some("/activate/register"),
            "the email must be the one a code proved"
        );
        let no_hash = RegisterDraft { password_hash: None, ..complete() };
        assert_eq!(collect(&no_hash).err().map(RegisterStep::path), Some("/activate/register"));
        let no_terms = RegisterDraft { terms: false, ..complete() };
        assert_eq!(collect(&no_terms).err().map(RegisterStep::path), Some("/activate/register/workspace"));
        let bad_company = RegisterDraft { company_name: "A".into(), ..complete() };
        assert_eq!(collect(&bad_company).err().map(RegisterStep::path), Some("/activate/register/company"));
    }

    #[test]
    fn the_check_page_lists_every_answer_with_a_change_link_and_never_the_password() {
        let groups = answers(&complete(), crate::i18n::Locale::en);
        let headings: Vec<&str> = groups.iter().map(|g| g.heading.as_str()).collect();
        assert_eq!(headings, ["Basic information", "Company information", "Workspace"]);
        let by_step: Vec<usize> = groups.iter().map(|g| g.answers.len()).collect();
        assert_eq!(by_step, [5, 3, 3]);
        assert_eq!(groups[1].answers[0].label, "Company name");
        assert_eq!(groups[2].answers[0].label, "Workspace name");
        let rows: Vec<_> = groups.into_iter().flat_map(|g| g.answers).collect();
        assert_eq!(rows.len(), 11);
        assert!(rows.iter().all(|a| a.change.starts_with("/activate/register")));
        let password = rows.iter().find(|a| a.label == "Password").expect("password row");
        assert_eq!(password.value, "Chosen (hidden)");
        assert!(rows.iter().any(|a| a.value == "International Region 1 (Oregon)"));
        assert!(rows.iter().any(|a| a.value == "Finance and insurance"));
        assert!(rows.iter().any(|a| a.label == "Phone" && a.value == "Not given"));
    }
}
