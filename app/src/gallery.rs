//! `/gallery` (dev mode): every component of the portal in its states, side by side, each under a stable
//! anchor with the props that produce it. It renders the components the pages use — nothing here is a copy —
//! so a designer sees a change everywhere at once, and the visual checks compare the same markup.

use crate::components::{CodeField, LanguageField, SendCodeButton, TermsField, TextField};
use crate::domain::Branch;
use crate::i18n::{t, use_i18n};
use crate::link::{BindControl, BindWords};
use crate::pages::{BranchOption, ErrorSummary, NotFound};
use crate::register::StepIndicator;
use crate::workspaces::{StateTag, WorkspaceState};
use leptos::prelude::*;
use leptos_meta::Title;

/// One gallery entry: its anchor, what it shows, the props that produce it, and the component itself.
#[component]
fn Entry(id: &'static str, title: &'static str, props: &'static str, children: Children) -> impl IntoView {
    let (labelled_by, heading) = (format!("{id}-title"), format!("{id}-title"));
    view! {
        <section class="gallery-entry" id=id aria-labelledby=labelled_by>
            <h2 class="gallery-title" id=heading><a href=format!("#{id}")>{title}</a></h2>
            <pre class="gallery-props"><code>{props}</code></pre>
            <div class="gallery-sample">{children()}</div>
        </section>
    }
}

/// `/gallery`: only in dev mode (elsewhere the same 404 as any unknown page).
#[component]
pub fn GalleryPage() -> impl IntoView {
    let dev = Resource::new_blocking(|| (), |_| crate::api::dev_settings());
    view! {
        <Suspense fallback=|| view! { <crate::pages::Loading /> }>
            {move || Suspend::new(async move {
                match dev.await {
                    Ok(Some(_)) => view! { <Gallery /> }.into_any(),
                    _ => view! { <NotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Gallery() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Title text="Component gallery" />
        <h1>"Component gallery"</h1>
        <p>"Every component in its states, as the pages render it. The header's switch shows them in Chinese."</p>
        <nav aria-label="Gallery entries" class="gallery-index">
            <a href="#text-field">"Text field"</a> " · " <a href="#password-field">"Password field"</a> " · "
            <a href="#code-field">"Code field"</a> " · " <a href="#send-code">"Send code"</a> " · "
            <a href="#language-field">"Workspace language"</a> " · " <a href="#terms-field">"Terms"</a> " · "
            <a href="#branch-choice">"Radio cards"</a> " · " <a href="#step-indicator">"Step indicator"</a> " · "
            <a href="#error-summary">"Error summary"</a> " · " <a href="#state-tags">"Workspace states"</a> " · "
            <a href="#bind-dialog">"Confirmation dialog"</a>
        </nav>

        <Entry id="text-field" title="Text field — empty, with a hint" props=r#"TextField id="g-username" label="Username" hint="3 to 32 characters…" value="""#>
            <TextField id="g-username" label="Username" hint="3 to 32 characters: letters, digits, . _ -" value="" autocomplete="off" error=None />
        </Entry>
        <Entry id="text-field-filled" title="Text field — filled" props=r#"TextField id="g-email" label="Email" kind="email" value="alice@example.com""#>
            <TextField id="g-email" label="Email" kind="email" value="alice@example.com" autocomplete="off" error=None />
        </Entry>
        <Entry id="text-field-error" title="Text field — error" props=r#"TextField id="g-company" label="Company name" value="A" error=Some("Company name must be 2 characters or more")"#>
            <TextField id="g-company" label="Company name" value="A" autocomplete="off" error=Some("Company name must be 2 characters or more".to_owned()) />
        </Entry>
        <Entry id="text-field-long" title="Text field — long text" props=r#"TextField id="g-long" label="Workspace name (a long label…)" value="A very long workspace name…""#>
            <TextField id="g-long" label="Workspace name, as your team will see it in every list, email and bill" hint="Up to 50 characters; it can be changed later in the workspace settings of the Guance console" value="Observability of the payments platform in the Frankfurt region" autocomplete="off" error=None />
        </Entry>
        <Entry id="text-field-chinese" title="Text field — Chinese text" props=r#"TextField id="g-zh" label="公司名称" hint="…" value="杭州观测云科技有限公司""#>
            <TextField id="g-zh" label="公司名称" hint="2 到 100 个字符" value="杭州观测云科技有限公司" autocomplete="off" error=Some("公司名称至少需要 2 个字符".to_owned()) />
        </Entry>
        <Entry id="password-field" title="Password field — with an error" props=r#"TextField id="g-password" kind="password" error=Some("…")"#>
            <TextField id="g-password" label="Password" kind="password" hint="At least 15 characters" value="" autocomplete="off" error=Some("This is a very common password. Add another word or two".to_owned()) />
        </Entry>
        <Entry id="code-field" title="Code field — empty" props=r#"CodeField id="g-code" error=None"#>
            <CodeField id="g-code" error=None />
        </Entry>
        <Entry id="code-field-error" title="Code field — error" props=r#"CodeField id="g-code-error" error=Some("…")"#>
            <CodeField id="g-code-error" error=Some("The verification code is not correct. You have 4 more tries".to_owned()) />
        </Entry>
        <Entry id="send-code" title="Send code — ready" props=r#"SendCodeButton field="g-email" sent_to="" wait_secs=0"#>
            <SendCodeButton field="g-email" sent_to=String::new() wait_secs=0 />
        </Entry>
        <Entry id="language-field" title="Workspace language — chosen" props=r#"LanguageField id="g-language" selected="zh" error=None"#>
            <LanguageField id="g-language" selected="zh".to_owned() error=None />
        </Entry>
        <Entry id="language-field-error" title="Workspace language — error" props=r#"LanguageField id="g-language-error" selected="" error=Some("…")"#>
            <LanguageField id="g-language-error" selected=String::new() error=Some("Select the workspace language".to_owned()) />
        </Entry>
        <Entry id="terms-field" title="Terms — checked" props=r#"TermsField id="g-terms" checked=true error=None"#>
            <TermsField id="g-terms" checked=true error=None />
        </Entry>
        <Entry id="terms-field-error" title="Terms — error" props=r#"TermsField id="g-terms-error" checked=false error=Some("…")"#>
            <TermsField id="g-terms-error" checked=false error=Some("Agree to the terms to continue".to_owned()) />
        </Entry>
        <Entry id="branch-choice" title="Radio cards — the branch choice" props=r#"BranchOption branch=Register checked=true; BranchOption branch=Link checked=false"#>
            <fieldset>
                <legend class="legend-m">{t!(i18n, branch_question)}</legend>
                <BranchOption branch=Branch::Register label="No billing account" hint="Register a Guance account and billing account." checked=true />
                <BranchOption branch=Branch::Link label="I have a billing account" hint="Link your existing billing account." checked=false />
            </fieldset>
        </Entry>
        <Entry id="step-indicator" title="Step indicator" props=r#"StepIndicator step=2"#>
            <StepIndicator step=2 />
        </Entry>
        <Entry id="error-summary" title="Error summary" props=r#"ErrorSummary items=[("g-company", "…"), ("g-code-error", "…")]"#>
            <ErrorSummary items=vec![
                ("g-company".to_owned(), "Company name must be 2 characters or more".to_owned()),
                ("g-code-error".to_owned(), "The verification code is not correct. You have 4 more tries".to_owned()),
            ] />
        </Entry>
        <Entry id="bind-dialog" title="Confirmation dialog — Bind (press it)" props=r#"BindControl workspace_id=0 name="Production" words=BindWords { … } action="/gallery""#>
            <BindControl workspace_id=0 name="Production".to_owned() action="/gallery".to_owned() words=BindWords {
                bind: "Bind".to_owned(),
                title: "Bind “Production” to AWS account 1111-2222-3333?".to_owned(),
                consequence: "From now on, Production is billed through AWS Marketplace to this AWS account.".to_owned(),
                confirm: "Confirm".to_owned(),
                cancel: "Cancel".to_owned(),
            } />
        </Entry>
        <Entry id="state-tags" title="Workspace states" props=r#"StateTag state=Linked | Unlinked | SettledByOther"#>
            <p><StateTag state=WorkspaceState::Linked /> " " <StateTag state=WorkspaceState::Unlinked /> " "
               <StateTag state=WorkspaceState::SettledByOther /></p>
        </Entry>
    }
}
