//! Link billing account: the billing account's username, and a code mailed to the address on file.

use crate::domain::rules::FieldRule;
use crate::domain::Site;
use crate::error::{AppError, FormErrors};
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::page_title;
#[cfg(feature = "ssr")]
use crate::paths::LINK_WORKSPACES;
use crate::paths::{ACTIVATE, LINK_BILLING};
use crate::ui::ErrorSummary;
use crate::ui::SiteSelector;
use crate::ui::{Button, ButtonKind, CodeField, Notice, SendCodeButton, TextField};
#[cfg(feature = "ssr")]
use crate::wizard::{refuse_activated, visit, Intent};
use crate::wizard::{wizard_page, Gate};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkForm {
    pub aws_account: String,
    pub site: Site,
    pub username: String,
    /// The code proved the billing account `username`: the page asks once more before linking it.
    pub confirm: bool,
    /// Where the last code went, and the seconds before Send code may be pressed again for it.
    pub resend_wait: (String, i64),
    pub errors: FormErrors,
    pub notice: Option<String>,
}

#[server(endpoint = "link_billing_page")]
pub async fn link_billing_page() -> Result<Gate<LinkForm>, AppError> {
    let ports = crate::ssr::ports()?;
    let mut visit = match visit(&ports).await?.shown() {
        Ok(visit) => visit,
        Err(gate) => return Ok(gate),
    };
    if visit.summary.billing_username.is_some() {
        return Ok(Gate::redirect(LINK_WORKSPACES));
    }
    let flash = visit.take_flash(&ports).await?;
    let draft = visit.draft;
    Ok(Gate::Show(LinkForm {
        aws_account: visit.summary.aws_account_id.display_grouped(),
        site: super::ssr::site(&draft),
        resend_wait: draft.resend_wait("link_billing", crate::ssr::ports::now()),
        confirm: super::ssr::verified(&draft),
        username: draft.link.billing_username,
        errors: flash.errors,
        notice: flash.notice,
    }))
}

/// Link billing account's form: `intent` `send_code` (Send code) or anything else (Link billing account).
#[server(endpoint = "link_billing")]
pub async fn link_billing(
    username: Option<String>,
    code: Option<String>,
    intent: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::codes::CodePurpose;
    use crate::domain::Username;
    use crate::ssr::codes::{send_code, verify_code, CodeRequest};
    use crate::ssr::draft::Flash;
    use crate::ssr::ports::{now, CodeSubject, LinkRefusal};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = visit(&ports).await?.for_post(ACTIVATE) else {
        return Ok(());
    };
    // Confirm (the question after a right code) links what the code proved: the draft's username.
    let confirming = intent.as_deref() == Some("confirm");
    let typed = if confirming { visit.draft.link.billing_username.clone() } else { username.unwrap_or_default() };
    // An AWS account keeps the billing account it has: a repeat of this very link (a second press) goes on to
    // its workspaces, anything else is refused with the reason.
    if let Some(linked) = visit.summary.billing_username.clone() {
        let key_of = |name: &str| Username::parse(name).map(|u| u.key()).ok();
        if Intent::parse(intent.as_deref()) == Intent::Submit
            && key_of(&typed).is_some()
            && key_of(&typed) == key_of(&linked)
        {
            leptos_axum::redirect(LINK_WORKSPACES);
        } else {
            refuse_activated(&ports, &mut visit).await?;
        }
        return Ok(());
    }
    let key = visit.key.clone();
    let locale = crate::messages::request_locale();
    let draft = &mut visit.draft;
    if !confirming && draft.link.billing_username != typed.trim() {
        draft.link.billing_verified = None;
    }
    draft.link.billing_username = typed.trim().to_owned();
    let mut flash = Flash::default();
    let mut next = LINK_BILLING;
    let mut asked = false;
    match Username::parse(&typed) {
        Err(e) => flash.errors.push("username", FieldRule::BillingUsername.describe(locale, e)),
        // A stale question (started again in another tab): back to the form as it is.
        Ok(_) if confirming && !super::ssr::verified(draft) => {}
        Ok(username) if confirming => {
            draft.link.billing_verified = None;
            match ports.store.link_billing_account(&key, &username, now()).await.map_err(unavailable)? {
                Ok(linked) => {
                    crate::ssr::security_log::record(
                        crate::ssr::security_log::Event::BillingLinked,
                        crate::ssr::security_log::Subject::Username(&linked),
                        "billing account linked to the session's AWS account",
                    )
                    .await;
                    draft.link.linked_here = true;
                    next = LINK_WORKSPACES
                }
                // Only a guess can reach this: a code is mailed only to a real account.
                Err(LinkRefusal::NoSuchAccount) => {
                    flash.errors.push("code", td_string!(locale, err_link_code_wrong).to_owned())
                }
                Err(LinkRefusal::SessionGone) => next = ACTIVATE,
                // Another session of this AWS account linked a billing account meanwhile.
                Err(LinkRefusal::AlreadyLinked) => {
                    if let Gate::Show(mut visit) = crate::wizard::visit(&ports).await? {
                        refuse_activated(&ports, &mut visit).await?;
                    }
                    return Ok(());
                }
            }
        }
        Ok(username) if Intent::parse(intent.as_deref()) == Intent::SendCode => {
            let on_file = ports.store.billing_account_email(&username).await.map_err(unavailable)?;
            let request = CodeRequest {
                form: "link_billing",
                typed: &typed,
                purpose: CodePurpose::LinkBillingAccount,
                subject: CodeSubject::billing_account(&username, on_file),
            };
            // The same words whether or not the billing account exists.
            if send_code(locale, &ports, &key, request, draft, &mut flash.errors).await? {
                flash.notice = Some(td_string!(locale, msg_link_code_sent, username = username.as_str()).to_string())
            }
        }
        Ok(username) => {
            let address = CodeSubject::billing_account(&username, None).address;
            let typed = code.unwrap_or_default();
            let purpose = CodePurpose::LinkBillingAccount;
            // The username is the only other answer, and it is right here.
            if verify_code(locale, &ports, &key, purpose, &address, &typed, true, &mut flash.errors).await? {
                // Proven; the page asks once more ("Link billing account X to AWS account Y?"), a page of its own.
                draft.link.billing_verified = Some(username.key());
                asked = true;
            }
        }
    }
    draft.flash = flash;
    // Back to the form at its content (the error summary or the notice), past the header.
    let next = if next == LINK_BILLING && !asked { format!("{LINK_BILLING}#main") } else { next.to_owned() };
    visit.finish(&ports, &next).await
}

/// "Not your billing account? Start again": forgets the billing account the code proved and, when this
/// session linked it and no workspace is billed to the AWS account yet, undoes the link; back to Link billing
/// account with an empty form (the site kept).
#[server(endpoint = "link_start_again")]
pub async fn link_start_again() -> Result<(), AppError> {
    use crate::ssr::draft::{Flash, LinkDraft};
    use crate::ssr::ports::{now, UnlinkRefusal};
    use crate::ssr::security_log::{record, Event, Subject};
    use crate::ssr::unavailable;
    let ports = crate::ssr::ports()?;
    let Some(mut visit) = visit(&ports).await?.for_post(ACTIVATE) else {
        return Ok(());
    };
    let locale = crate::messages::request_locale();
    let mut flash = Flash::default();
    if let Some(linked) = visit.summary.billing_username.clone() {
        // Another session's link, or one a workspace depends on, is an operator's change.
        if !visit.draft.link.linked_here {
            return refuse_activated(&ports, &mut visit).await;
        }
        match ports.store.unlink_billing_account(&visit.key, now()).await.map_err(unavailable)? {
            Ok(()) => {
                record(Event::BillingUnlinked, Subject::Username(&linked), "the buyer started again").await;
                flash.notice = Some(td_string!(locale, msg_link_undone, username = linked.as_str()).to_string());
            }
            Err(UnlinkRefusal::SessionGone) => {
                leptos_axum::redirect(ACTIVATE);
                return Ok(());
            }
            Err(UnlinkRefusal::WorkspaceLinked) => {
                visit.draft.link.linked_here = false;
                flash.errors.push("workspaces", td_string!(locale, err_unlink_workspace_linked));
                visit.draft.flash = flash;
                return visit.finish(&ports, LINK_WORKSPACES).await;
            }
        }
    }
    let site = std::mem::take(&mut visit.draft.link.site);
    visit.draft.link = LinkDraft { site, ..LinkDraft::default() };
    visit.draft.flash = flash;
    visit.finish(&ports, &format!("{LINK_BILLING}#main")).await
}

/// Where "Not your billing account? Start again" posts.
pub(crate) fn start_again_action() -> &'static str {
    <LinkStartAgain as leptos::server_fn::ServerFn>::url()
}

/// `/activate/link`.
#[component]
pub fn LinkBillingPage() -> impl IntoView {
    wizard_page(link_billing_page, |form| view! { <LinkFormView form /> }.into_any())
}

#[component]
fn LinkFormView(form: LinkForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let has_errors = !form.errors.is_empty();
    let errors = form.errors.clone();
    let e = move |field: &str| errors.field(field);
    let code_error = e("code");
    let action = <LinkBilling as leptos::server_fn::ServerFn>::url();
    if form.confirm {
        return view! { <ConfirmLink form /> }.into_any();
    }
    view! {
        <Title text=page_title(locale, has_errors, td_string!(locale, link_title)) />
        <div class="page-top">
            <a class="back-link" href=ACTIVATE>
                {t!(i18n, back)}
            </a>
            <SiteSelector site=form.site back=LINK_BILLING.to_owned() action=super::site_action() />
        </div>
        {has_errors.then(|| view! { <ErrorSummary errors=form.errors.clone() /> })}
        <h1>{t!(i18n, link_title)}</h1>
        <p>
            {t!(i18n, link_intro_before)} <strong class="aws-account">{form.aws_account.clone()}</strong>
            {t!(i18n, link_intro_after)}
        </p>
        {form.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        <form id="page-form" method="post" action=action novalidate>
            <button type="submit" name="intent" value="link" class="implicit-submit" tabindex="-1" aria-hidden="true">
                {t!(i18n, button_link)}
            </button>
            <TextField
                live=FieldRule::BillingUsername
                id="username"
                label=td_string!(locale, label_billing_username)
                value=form.username.clone()
                autocomplete="username"
                error=e("username")
            />
            <SendCodeButton field="username" sent_to=form.resend_wait.0.clone() wait_secs=form.resend_wait.1 />
            <CodeField error=code_error />
            <Button label=td_string!(locale, button_link) intent="link" busy_on_press=true />
        </form>
    }
    .into_any()
}

/// The question after a right code: "Link billing account X to AWS account Y?", with Link billing account and
/// "Not your billing account? Start again".
#[component]
fn ConfirmLink(form: LinkForm) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let question =
        td_string!(locale, link_confirm_title, username = form.username.as_str(), account = form.aws_account.as_str())
            .to_string();
    let action = <LinkBilling as leptos::server_fn::ServerFn>::url();
    view! {
        <Title text=page_title(locale, false, &question) />
        <h1>{crate::ui::with_account(question, &form.aws_account)}</h1>
        {form.notice.clone().map(|notice| view! { <Notice text=notice /> })}
        <p>{t!(i18n, link_confirm_text)}</p>
        <form method="post" action=action>
            <Button label=td_string!(locale, button_link) intent="confirm" busy_on_press=true />
        </form>
        <form method="post" action=start_again_action()>
            <Button label=td_string!(locale, button_link_start_again) kind=ButtonKind::Secondary />
        </form>
    }
}
