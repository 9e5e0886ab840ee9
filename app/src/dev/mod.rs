//! Dev mode only: `/dev` simulates a buyer subscribing on AWS Marketplace, `/gallery` shows every
//! component, `/terms` is a sample of the terms.

pub mod gallery;
mod gallery_entry;
mod gallery_pages;

use crate::domain::ProductCode;
use crate::error::AppError;
use crate::ui::{Button, Loading, ServiceProblem};
use leptos::prelude::*;
use leptos_meta::Title;

/// `/terms`, dev mode only: a sample of the terms "I agree to the terms" links to (prod links to
/// `PORTAL_TERMS_URL`; here: 404).
#[component]
pub fn TermsPage() -> impl IntoView {
    let dev = Resource::new_blocking(|| (), |_| dev_settings());
    let i18n = crate::i18n::use_i18n();
    view! {
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match dev.await {
                    Ok(Some(_)) => {
                        view! {
                            <Title text=crate::i18n::td_string!(i18n.get_locale_untracked(), terms_title) />
                            <h1>{crate::i18n::t!(i18n, terms_title)}</h1>
                            <p>{crate::i18n::t!(i18n, terms_sample)}</p>
                        }
                            .into_any()
                    }
                    _ => view! { <crate::ui::NotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/dev`: simulate a buyer subscribing on AWS Marketplace. The form posts to the server, which mints a
/// token with the simulator and answers with AWS's "Set Up Your Account" button.
#[component]
pub fn DevPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| dev_settings());
    view! {
        <Title text="Simulate AWS Marketplace" />
        <h1>"Simulate AWS Marketplace"</h1>
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match settings.await {
                    Ok(Some(product_code)) => {
                        view! {
                            <p>
                                "Pretend to be a buyer who has just subscribed on AWS Marketplace. "
                                "The simulator mints a registration token for the account below; "
                                "the next page posts it to the portal, exactly as AWS does."
                            </p>
                            <form method="post" action=crate::paths::DEV_SUBSCRIBE novalidate>
                                <div class="form-group">
                                    <label for="aws_account_id">"AWS account ID"</label>
                                    <p class="hint" id="aws_account_id-hint">
                                        "12 digits, for example 1234-5678-9012"
                                    </p>
                                    <input
                                        class="input"
                                        id="aws_account_id"
                                        name="aws_account_id"
                                        value="123456789012"
                                        inputmode="numeric"
                                        autocomplete="off"
                                        aria-describedby="aws_account_id-hint"
                                    />
                                </div>
                                <div class="form-group">
                                    <label for="product_code">"Product code"</label>
                                    <input
                                        class="input"
                                        id="product_code"
                                        name="product_code"
                                        value=product_code.to_string()
                                        autocomplete="off"
                                    />
                                </div>
                                <Button label="Subscribe" />
                            </form>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <p>"The simulator is available in dev mode only."</p> }.into_any(),
                    Err(err) => view! { <ServiceProblem err /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Defaults for the dev simulator's form. Refused outside dev mode.
#[server(endpoint = "dev_settings")]
pub async fn dev_settings() -> Result<Option<ProductCode>, AppError> {
    let ports = crate::ssr::ports()?;
    Ok(ports.dev_mode.then_some(ports.product_code))
}
