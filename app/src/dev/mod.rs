//! Dev mode only: `/dev` simulates a buyer subscribing on AWS Marketplace, and `/gallery` shows every
//! component.

pub mod gallery;

use crate::domain::ProductCode;
use crate::error::AppError;
use crate::ui::{Button, Loading, ServiceProblem};
use leptos::prelude::*;
use leptos_meta::Title;

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
