//! `/gallery`'s page-level samples: workspace lists, the Bind dialog, state tags, and the panels the pages
//! really show (completion, billing table in each state, the install-command box, the session-ended page) —
//! rendered by the pages' own components, in the page's language.

use super::gallery_entry::Entry;
use crate::account::billing::BillingTable;
use crate::account::workspace::InstallBox;
use crate::domain::billing::{BillingState, BillingWorkspace, Settlement};
use crate::domain::workspace::{WorkspaceRow, WorkspaceState};
use crate::domain::Site;
use crate::i18n::{td_string, use_i18n};
use crate::ui::{bind_consequence, BindControl, BindWords, StateTag, WorkspaceTable};
use crate::wizard::register::done::CompletionPanel;
use crate::wizard::start::StartFromMarketplace;
use leptos::prelude::*;

const ACCOUNT: &str = "1111-2222-3333";

#[component]
pub(super) fn PageSamples() -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let rows = workspace_rows();
    let production = rows[0].clone();
    let words = BindWords {
        bind: td_string!(locale, button_bind).to_owned(),
        title: td_string!(locale, bind_title, name = production.name.as_str()).to_string(),
        consequence: bind_consequence(&production, ACCOUNT),
        account: ACCOUNT.to_owned(),
        confirm: td_string!(locale, button_confirm).to_owned(),
        cancel: td_string!(locale, button_cancel).to_owned(),
    };
    view! {
        <Entry
            id="workspace-rows"
            title="Workspace list rows — each state, a long and a Chinese name"
            props=r#"WorkspaceTable rows=[WorkspaceRow { state: Linked | Unlinked | SettledByOther | SiteNotOffered, … }] aws_account="1111-2222-3333""#
        >
            <WorkspaceTable rows aws_account=ACCOUNT.to_owned() bind_action="/gallery".to_owned() />
        </Entry>
        <Entry
            id="bind-dialog"
            title="Confirmation dialog — Bind (press it)"
            props=r#"BindControl workspace_id=101 name="Production" words=BindWords { bind_title, bind_consequence, … } action="/gallery""#
        >
            <BindControl workspace_id=101 name=production.name.clone() action="/gallery".to_owned() words />
        </Entry>
        <Entry
            id="state-tags"
            title="Workspace states"
            props=r#"StateTag state=Linked | Unlinked | SettledByOther | SiteNotOffered"#
        >
            <p>
                <StateTag state=WorkspaceState::Linked />
                " "
                <StateTag state=WorkspaceState::Unlinked />
                " "
                <StateTag state=WorkspaceState::SettledByOther />
                " "
                <StateTag state=WorkspaceState::SiteNotOffered />
            </p>
        </Entry>
        <Entry
            id="completion-panel"
            title="Completion panel — Activate done"
            props=r#"CompletionPanel aws_account="1111-2222-3333" sample=true"#
        >
            <CompletionPanel aws_account=ACCOUNT.to_owned() sample=true />
        </Entry>
        <Entry
            id="billing-table"
            title="Billing table — each state (Active, Payment failed, Cancellation pending, Locked in N days, Locked)"
            props=r#"BillingTable workspaces=[BillingWorkspace { state: Active | PaymentFailed | CancellationPending | LockedIn { days } | Locked, … }]"#
        >
            <BillingTable workspaces=billing_rows() />
        </Entry>
        <Entry
            id="install-box"
            title="Install-command box — the site's DataKit command (Copy with JavaScript)"
            props=r#"InstallBox command=Site::Cn2.datakit_install("tkn_…") id="g-datakit""#
        >
            <InstallBox command=Site::Cn2.datakit_install("tkn_2f6c0b0e9a4d4b7f8c1d") id="g-datakit" />
        </Entry>
        <Entry
            id="session-ended"
            title="Session ended — the page after an activation session ends"
            props=r#"StartFromMarketplace ended=true sample=true"#
        >
            <StartFromMarketplace ended=true sample=true />
        </Entry>
    }
}

fn workspace_rows() -> Vec<WorkspaceRow> {
    let row = |id, name: &str, language: &str, state| WorkspaceRow {
        id,
        name: name.to_owned(),
        site_code: Site::Cn2.code().to_owned(),
        language_code: language.to_owned(),
        state,
    };
    vec![
        row(101, "Production", "en", WorkspaceState::Unlinked),
        row(102, "Staging", "en", WorkspaceState::Linked),
        row(103, "Finance team", "en", WorkspaceState::SettledByOther),
        row(104, "Observability of the payments platform in Oregon", "en", WorkspaceState::Unlinked),
        row(105, "生产环境", "zh", WorkspaceState::Linked),
        WorkspaceRow {
            site_code: Site::Eu1.code().to_owned(),
            ..row(106, "Frankfurt", "en", WorkspaceState::SiteNotOffered)
        },
    ]
}

fn billing_rows() -> Vec<BillingWorkspace> {
    let aws = || Settlement::AwsMarketplace { aws_account_id: "111122223333".to_owned() };
    let row = |id, name: &str, site: Site, settlement, state| BillingWorkspace {
        id,
        name: name.to_owned(),
        site_code: site.code().to_owned(),
        owner: "alice".to_owned(),
        settlement,
        since: Some(1_764_547_200),
        state,
    };
    vec![
        row(201, "Production", Site::Us1, aws(), BillingState::Active),
        row(202, "生产环境", Site::Cn2, aws(), BillingState::PaymentFailed),
        row(203, "Staging", Site::Us1, aws(), BillingState::CancellationPending),
        row(204, "Observability of the payments platform", Site::Us1, aws(), BillingState::LockedIn { days: 5 }),
        row(205, "Finance team", Site::Cn2, Settlement::BillingCenter, BillingState::Locked),
    ]
}
