//! The activation wizard: the start page, the register branch (one file per step, in order) and the link
//! branch — and here, the one gate every step's page and form pass: which activation session this request
//! belongs to, and whether the buyer may see the step they asked for.

pub mod link;
pub mod register;
pub mod start;
pub mod typed;

use crate::error::AppError;
use crate::ui::{Loading, ServiceProblem};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
#[cfg(feature = "ssr")]
pub(crate) use ssr::*;
use start::StartFromMarketplace;

/// The register branch's steps, in order ("Step N of 4"); the completion page follows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterStep {
    Basic = 1,
    Company = 2,
    Workspace = 3,
    Check = 4,
}

/// How many steps the register branch has.
pub const REGISTER_STEPS: u8 = RegisterStep::Check as u8;

impl RegisterStep {
    /// The step's page.
    pub const fn path(self) -> &'static str {
        match self {
            RegisterStep::Basic => crate::paths::REGISTER_BASIC,
            RegisterStep::Company => crate::paths::REGISTER_COMPANY,
            RegisterStep::Workspace => crate::paths::REGISTER_WORKSPACE,
            RegisterStep::Check => crate::paths::REGISTER_CHECK,
        }
    }
}

/// What a wizard page's server function answers: the page's own data, or what the gate shows instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gate<T> {
    /// The page's own data.
    Show(T),
    /// No usable activation session: activation starts from AWS Marketplace (`ended`: it timed out).
    NoSession { ended: bool },
    /// The response redirects there (an unfinished earlier step, a page further on, or Link workspace for an
    /// AWS account that is already activated).
    Redirect(String),
}

impl<T> Gate<T> {
    /// The page's data, or the gate's answer for a page of another type.
    pub fn shown<U>(self) -> Result<T, Gate<U>> {
        match self {
            Gate::Show(data) => Ok(data),
            Gate::NoSession { ended } => Err(Gate::NoSession { ended }),
            Gate::Redirect(path) => Err(Gate::Redirect(path)),
        }
    }
}

/// What a form's submit button asks for (its `intent`): **Send code**, or the step's own action (Continue,
/// Link billing account, Create — Enter in a field is that too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    SendCode,
    Submit,
}

impl Intent {
    pub fn parse(intent: Option<&str>) -> Self {
        if intent == Some("send_code") {
            Intent::SendCode
        } else {
            Intent::Submit
        }
    }
}

/// A wizard page: loads its data with `load` (a server function; the server waits for it, so the HTML is
/// complete without JavaScript) and renders it with `render`; the other outcomes look the same everywhere.
pub(crate) fn wizard_page<T, F, Fut>(load: F, render: fn(T) -> AnyView) -> impl IntoView
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Gate<T>, AppError>> + Send + 'static,
{
    let page = Resource::new(|| (), move |_| load());
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Gate::Show(data)) => render(data),
                    Ok(Gate::Redirect(_)) => view! { <Loading /> }.into_any(),
                    Ok(Gate::NoSession { ended }) => view! { <StartFromMarketplace ended /> }.into_any(),
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Where an unfinished earlier step of the register branch sends the buyer who asks for step `this_step`
/// (1–[`REGISTER_STEPS`]), if anywhere; after Activate, every step shows the outcome.
pub fn earlier_step(draft: &RegisterProgress, this_step: u8) -> Option<&'static str> {
    use RegisterStep::{Basic, Company, Workspace};
    if draft.activated {
        Some(crate::paths::REGISTER_DONE)
    } else if this_step > Basic as u8 && !draft.basic_done {
        Some(Basic.path())
    } else if this_step > Company as u8 && !draft.company_done {
        Some(Company.path())
    } else if this_step > Workspace as u8 && !draft.workspace_done {
        Some(Workspace.path())
    } else {
        None
    }
}

/// Where a completed step continues: the first unfinished step, or (every step done, e.g. after a Change
/// link on the check page) straight back to the check page.
pub fn next_step(draft: &RegisterProgress) -> &'static str {
    earlier_step(draft, REGISTER_STEPS).unwrap_or(crate::paths::REGISTER_CHECK)
}

/// Which steps of the register branch are done (kept in the session's draft).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterProgress {
    pub basic_done: bool,
    pub company_done: bool,
    pub workspace_done: bool,
    pub activated: bool,
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::domain::ActivationSummary;
    use crate::i18n::td_string;
    use crate::paths;
    use crate::ssr::draft::{Draft, Flash};
    use crate::ssr::ports::{now, Ports, SessionLookup};
    use crate::ssr::session::SessionKey;
    use crate::ssr::unavailable;

    impl<T> Gate<T> {
        /// Sends the response to `path` (a 302 for a browser) and says so.
        pub fn redirect(path: &str) -> Self {
            leptos_axum::redirect(path);
            Gate::Redirect(path.to_owned())
        }

        /// For a form post: the data, or `None` once the response goes elsewhere — without a session, to
        /// `no_session` (which explains where activation starts).
        pub fn for_post(self, no_session: &str) -> Option<T> {
            match self {
                Gate::Show(data) => Some(data),
                Gate::NoSession { .. } => {
                    leptos_axum::redirect(no_session);
                    None
                }
                Gate::Redirect(_) => None,
            }
        }
    }

    /// This request's activation session: its key, what the wizard shows about it, and the buyer's draft.
    pub struct Visit {
        pub key: SessionKey,
        pub summary: ActivationSummary,
        pub draft: Draft,
    }

    impl Visit {
        /// Saves the draft.
        pub async fn save(&self, ports: &Ports) -> Result<(), AppError> {
            crate::ssr::draft::save(ports, &self.key, &self.draft).await
        }

        /// The last submission's outcome, for the page to show once: taken out of the stored draft.
        pub async fn take_flash(&mut self, ports: &Ports) -> Result<Flash, AppError> {
            let flash = std::mem::take(&mut self.draft.flash);
            if !flash.is_empty() {
                self.save(ports).await?;
            }
            Ok(flash)
        }

        /// Finishes a step's form post: the draft (with its flash, if any, for the next page to show once) is
        /// saved and the buyer is sent to `next`.
        pub async fn finish(&self, ports: &Ports, next: &str) -> Result<(), AppError> {
            self.save(ports).await?;
            leptos_axum::redirect(next);
            Ok(())
        }

        pub fn register_progress(&self) -> RegisterProgress {
            let r = &self.draft.register;
            RegisterProgress {
                basic_done: r.basic_done,
                company_done: r.company_done,
                workspace_done: r.workspace_done,
                activated: r.activated,
            }
        }
    }

    /// The gate: this request's active activation session with its draft, or no session (none, or ended).
    pub async fn visit(ports: &Ports) -> Result<Gate<Visit>, AppError> {
        let Some(id) = crate::ssr::session_id().await else {
            return Ok(Gate::NoSession { ended: false });
        };
        let key = id.key();
        let summary = match ports.store.activation(&key, now()).await.map_err(unavailable)? {
            SessionLookup::Active(summary) => summary,
            SessionLookup::Ended => return Ok(Gate::NoSession { ended: true }),
            SessionLookup::Unknown => return Ok(Gate::NoSession { ended: false }),
        };
        let draft = crate::ssr::draft::load(ports, &key).await?;
        Ok(Gate::Show(Visit { key, summary, draft }))
    }

    /// The gate of the register branch: [`visit`], then an AWS account already activated goes to Link
    /// workspace (see [`refuse_when_activated`]).
    pub async fn register_visit(ports: &Ports) -> Result<Gate<Visit>, AppError> {
        let mut visit = match visit(ports).await?.shown() {
            Ok(visit) => visit,
            Err(gate) => return Ok(gate),
        };
        if refuse_when_activated(ports, &mut visit).await? {
            return Ok(Gate::Redirect(paths::LINK_WORKSPACES.to_owned()));
        }
        Ok(Gate::Show(visit))
    }

    /// The gate of the register branch's step `step`: [`register_visit`], then a buyer who has not finished
    /// an earlier step goes there.
    pub async fn register_step(ports: &Ports, step: RegisterStep) -> Result<Gate<Visit>, AppError> {
        let visit = match register_visit(ports).await?.shown() {
            Ok(visit) => visit,
            Err(gate) => return Ok(gate),
        };
        if let Some(earlier) = earlier_step(&visit.register_progress(), step as u8) {
            return Ok(Gate::redirect(earlier));
        }
        Ok(Gate::Show(visit))
    }

    /// An AWS customer whose billing account is set keeps it: the register branch and Link billing account
    /// are refused (changing it is an operator's action, not a buyer's click). Unless this very session's
    /// Activate set it, the buyer is sent to Link workspace with the reason in plain words, nothing changed but
    /// that notice; returns whether it did.
    pub async fn refuse_when_activated(ports: &Ports, visit: &mut Visit) -> Result<bool, AppError> {
        if visit.summary.billing_username.is_none() || visit.draft.register.activated {
            return Ok(false);
        }
        // This session's own Activate committed, but the process ended before the draft said so (a crash,
        // found by `server/tests/http/faults.rs`): it is this buyer's activation, not a second one.
        if ports.store.activated(&visit.key).await.map_err(unavailable)?.is_some() {
            return Ok(false);
        }
        refuse_activated(ports, visit).await?;
        Ok(true)
    }

    /// Sends the buyer of an AWS account whose billing account is set to Link workspace, saying why.
    pub async fn refuse_activated(ports: &Ports, visit: &mut Visit) -> Result<(), AppError> {
        let billing = visit.summary.billing_username.as_deref().unwrap_or_default();
        let locale = crate::messages::request_locale();
        // Whoever holds this session may not own the billing account: its name is masked.
        let masked = crate::domain::billing::masked_username(billing);
        let notice = td_string!(locale, msg_already_activated, username = masked).to_string();
        visit.draft.flash = Flash { errors: Default::default(), notice: Some(notice) };
        visit.save(ports).await?;
        crate::ssr::security_log::record(
            crate::ssr::security_log::Event::SecondActivationRefused,
            crate::ssr::security_log::Subject::AwsAccount(visit.summary.aws_account_id.as_str()),
            format!("its billing account is {billing}"),
        )
        .await;
        leptos_axum::redirect(paths::LINK_WORKSPACES);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::earlier_step;
    use super::RegisterProgress as RegisterDraft;

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
        assert_eq!(
            earlier_step(&d, 2),
            Some(crate::paths::REGISTER_DONE),
            "after Activate every step shows the outcome"
        );
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
