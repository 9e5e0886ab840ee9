//! "Your workspaces", `/workspaces`: where log in lands — every workspace the account owns or whose billing
//! account it owns, each to its start page; the billing center for billing-account owners.

use super::login::LogoutButton;
use crate::domain::billing::YourWorkspaces;
use crate::error::AppError;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::site_name;
use crate::ui::{Button, ButtonKind};
use leptos::prelude::*;
use leptos_meta::Title;

/// The page's data; without a login, the response redirects to log in (and back here).
#[server(endpoint = "your_workspaces_page")]
pub async fn your_workspaces_page() -> Result<Option<YourWorkspaces>, AppError> {
    let ports = crate::ssr::ports()?;
    let Some(user) = super::ssr::user_or_login(crate::ssr::ports::now()).await? else {
        return Ok(None);
    };
    let yours = ports.store.your_workspaces(user.account_id).await.map_err(crate::ssr::unavailable)?;
    Ok(Some(yours))
}

/// `/workspaces`.
#[component]
pub fn YourWorkspacesPage() -> impl IntoView {
    let data = Resource::new_blocking(|| (), |_| your_workspaces_page());
    view! {
        <Suspense fallback=crate::ui::Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(yours)) => view! { <YoursView yours /> }.into_any(),
                    Ok(None) => view! { <crate::ui::Loading /> }.into_any(),
                    Err(err) => view! { <crate::ui::ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn YoursView(yours: YourWorkspaces) -> impl IntoView {
    let i18n = use_i18n();
    let locale = i18n.get_locale_untracked();
    let site = |code: &str| {
        crate::domain::Site::ALL
            .iter()
            .find(|s| s.code() == code)
            .map_or_else(|| code.to_owned(), |s| site_name(locale, *s).to_owned())
    };
    view! {
        <Title text=td_string!(locale, yours_title) />
        <div class="page-top">
            <span></span>
            <LogoutButton />
        </div>
        <h1>{t!(i18n, yours_title)}</h1>
        {if yours.workspaces.is_empty() {
            view! { <p>{t!(i18n, yours_none)}</p> }.into_any()
        } else {
            view! {
                <p>{t!(i18n, yours_intro)}</p>
                <ul class="workspace-list" data-testid="your-workspaces">
                    {yours
                        .workspaces
                        .iter()
                        .map(|w| {
                            view! {
                                <li>
                                    <a href=crate::paths::workspace(w.id)>{w.name.clone()}</a>
                                    <span class="hint">{format!(" – {}", site(&w.site_code))}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
        {yours
            .owns_billing_account
            .then(|| {
                view! {
                    <h2>{t!(i18n, yours_billing)}</h2>
                    <p>{t!(i18n, yours_billing_text)}</p>
                    <p>
                        <Button
                            label=td_string!(locale, yours_billing)
                            kind=ButtonKind::Secondary
                            href=crate::paths::BILLING
                        />
                    </p>
                }
            })}
    }
}
