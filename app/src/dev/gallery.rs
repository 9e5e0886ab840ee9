//! `/gallery` (dev mode): every component of the portal in its states, side by side, each under a stable
//! anchor with the props that produce it. It renders the components the pages use — nothing here is a copy —
//! so a designer sees a change everywhere at once, and the visual checks compare the same markup.

use crate::domain::workspace::WorkspaceRow;
use crate::domain::workspace::WorkspaceState;
use crate::domain::{Branch, Site};
use crate::error::FormErrors;
use crate::i18n::{t, use_i18n};
use crate::ui::StateTag;
use crate::ui::StepIndicator;
use crate::ui::{BindControl, BindWords, SiteSelector, WorkspaceListRow};
use crate::ui::{BranchOption, ErrorSummary, NotFound};
use crate::ui::{
    Button, ButtonKind, Checkbox, CodeField, LanguageField, Notice, NoticeKind, PasswordField, Select, SendCodeButton,
    SummaryList, SummaryRow, TermsField, TextField,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// One gallery entry: its anchor, what it shows, the props that produce it, and the component itself.
#[component]
fn Entry(id: &'static str, title: &'static str, props: &'static str, children: Children) -> impl IntoView {
    let (labelled_by, heading) = (format!("{id}-title"), format!("{id}-title"));
    view! {
        <section class="gallery-entry" id=id aria-labelledby=labelled_by>
            <h2 class="gallery-title" id=heading>
                <a href=format!("#{id}")>{title}</a>
            </h2>
            <pre class="gallery-props">
                <code>{props}</code>
            </pre>
            <div class="gallery-sample">{children()}</div>
        </section>
    }
}

/// `/gallery`: only in dev mode (elsewhere the same 404 as any unknown page).
#[component]
pub fn GalleryPage() -> impl IntoView {
    let dev = Resource::new_blocking(|| (), |_| super::dev_settings());
    view! {
        <Suspense fallback=|| {
            view! { <crate::ui::Loading /> }
        }>
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
            <ul>
                {INDEX
                    .iter()
                    .map(|(id, name)| {
                        view! {
                            <li>
                                <a href=format!("#{id}")>{*name}</a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </nav>

        <Entry
            id="page-layout"
            title="Page layout — header with the language switch"
            props=r#"PageLayout { children }: SiteHeader, then <main id="main">"#
        >
            <crate::ui::SiteHeader />
        </Entry>

        <Entry
            id="text-field"
            title="Text field — empty, with a hint"
            props=r#"TextField id="g-username" label="Username" hint="3 to 32 characters…" value="""#
        >
            <TextField
                id="g-username"
                label="Username"
                hint="3 to 32 characters: letters, digits, . _ -"
                value=""
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-filled"
            title="Text field — filled"
            props=r#"TextField id="g-email" label="Email" kind="email" value="alice@example.com""#
        >
            <TextField
                id="g-email"
                label="Email"
                kind="email"
                value="alice@example.com"
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-error"
            title="Text field — error"
            props=r#"TextField id="g-company" label="Company name" value="A" error=Some("Company name must be 2 characters or more")"#
        >
            <TextField
                id="g-company"
                label="Company name"
                value="A"
                autocomplete="off"
                error=Some("Company name must be 2 characters or more".to_owned())
            />
        </Entry>
        <Entry
            id="text-field-optional"
            title="Text field — optional"
            props=r#"TextField id="g-phone" label="Phone" optional=true kind="tel" hint="…""#
        >
            <TextField
                id="g-phone"
                label="Phone"
                optional=true
                kind="tel"
                hint="With the country code, for example +86 138 0013 8000"
                value=""
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-disabled"
            title="Text field — disabled"
            props=r#"TextField id="g-account" label="AWS account" value="1111-2222-3333" disabled=true"#
        >
            <TextField
                id="g-account"
                label="AWS account"
                hint="The account this subscription belongs to"
                value="1111-2222-3333"
                autocomplete="off"
                error=None
                disabled=true
            />
        </Entry>
        <Entry
            id="text-field-long"
            title="Text field — long text"
            props=r#"TextField id="g-long" label="Workspace name (a long label…)" value="A very long workspace name…""#
        >
            <TextField
                id="g-long"
                label="Workspace name, as your team will see it in every list, email and bill"
                hint="Up to 50 characters; it can be changed later in the workspace settings of the Guance console"
                value="Observability of the payments platform in the Frankfurt region"
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-chinese"
            title="Text field — Chinese text"
            props=r#"TextField id="g-zh" label="公司名称" hint="…" value="杭州观测云科技有限公司""#
        >
            <TextField
                id="g-zh"
                label="公司名称"
                hint="2 到 100 个字符"
                value="杭州观测云科技有限公司"
                autocomplete="off"
                error=Some("公司名称至少需要 2 个字符".to_owned())
            />
        </Entry>
        <Entry
            id="password-field"
            title="Password field — Show / Hide"
            props=r#"PasswordField id="g-password" label="Password" hint="At least 15 characters" error=None"#
        >
            <PasswordField
                id="g-password"
                label="Password"
                hint="At least 15 characters"
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="password-field-error"
            title="Password field — strength feedback"
            props=r#"PasswordField id="g-password-weak" label="Password" error=Some("This is a very common password…")"#
        >
            <PasswordField
                id="g-password-weak"
                label="Password"
                autocomplete="off"
                error=Some("This is a very common password. Add another word or two".to_owned())
            />
        </Entry>
        <Entry id="code-field" title="Code field — empty" props=r#"CodeField id="g-code" error=None"#>
            <CodeField id="g-code" error=None />
        </Entry>
        <Entry
            id="code-field-error"
            title="Code field — error"
            props=r#"CodeField id="g-code-error" error=Some("…")"#
        >
            <CodeField
                id="g-code-error"
                error=Some("The verification code is not correct. You have 4 more tries".to_owned())
            />
        </Entry>
        <Entry
            id="send-code"
            title="Send code — ready"
            props=r#"SendCodeButton field="g-email" sent_to="" wait_secs=0"#
        >
            <SendCodeButton field="g-email" sent_to=String::new() wait_secs=0 />
        </Entry>
        <Entry
            id="send-code-waiting"
            title="Send code — waiting before another (disabled while it counts down)"
            props=r#"TextField id="g-sent" value="alice@example.com"; SendCodeButton field="g-sent" sent_to="alice@example.com" wait_secs=60"#
        >
            <TextField id="g-sent" label="Email" kind="email" value="alice@example.com" autocomplete="off" error=None />
            <SendCodeButton field="g-sent" sent_to="alice@example.com".to_owned() wait_secs=60 />
        </Entry>
        <Entry
            id="select"
            title="Select — nothing chosen"
            props=r#"Select id="g-industry" label="Industry" optional=true selected="" error=None"#
        >
            <Select id="g-industry" label="Industry" optional=true options=options() selected="" error=None />
        </Entry>
        <Entry
            id="select-chosen"
            title="Select — chosen"
            props=r#"Select id="g-size" label="Company size" selected="b" error=None"#
        >
            <Select id="g-size" label="Company size" options=options() selected="b" error=None />
        </Entry>
        <Entry
            id="select-error"
            title="Select — error"
            props=r#"Select id="g-select-error" selected="" error=Some("…")"#
        >
            <Select
                id="g-select-error"
                label="Industry"
                optional=true
                options=options()
                selected=""
                error=Some("Choose one of the listed industries".to_owned())
            />
        </Entry>
        <Entry
            id="select-disabled"
            title="Select — disabled"
            props=r#"Select id="g-select-disabled" selected="a" disabled=true"#
        >
            <Select
                id="g-select-disabled"
                label="Company size"
                options=options()
                selected="a"
                error=None
                disabled=true
            />
        </Entry>
        <Entry
            id="checkbox"
            title="Checkbox — unchecked, checked, disabled, Chinese"
            props=r#"Checkbox id="g-box" name="news" label="…" checked=false | true; disabled=true"#
        >
            <Checkbox id="g-box" name="news" label="Send me product news" checked=false error=None />
            <Checkbox id="g-box-checked" name="news" label="Send me product news" checked=true error=None />
            <Checkbox
                id="g-box-disabled"
                name="news"
                label="Send me product news (not available)"
                checked=false
                error=None
                disabled=true
            />
            <Checkbox id="g-box-zh" name="news" label="我已阅读并同意服务条款" checked=false error=None />
        </Entry>
        <Entry
            id="language-field"
            title="Workspace language — chosen"
            props=r#"LanguageField id="g-language" selected="zh" error=None"#
        >
            <LanguageField id="g-language" selected="zh".to_owned() error=None />
        </Entry>
        <Entry
            id="language-field-error"
            title="Workspace language — error"
            props=r#"LanguageField id="g-language-error" selected="" error=Some("…")"#
        >
            <LanguageField
                id="g-language-error"
                selected=String::new()
                error=Some("Select the workspace language".to_owned())
            />
        </Entry>
        <Entry id="terms-field" title="Terms — checked" props=r#"TermsField id="g-terms" checked=true error=None"#>
            <TermsField id="g-terms" checked=true error=None />
        </Entry>
        <Entry
            id="terms-field-error"
            title="Terms — error"
            props=r#"TermsField id="g-terms-error" checked=false error=Some("…")"#
        >
            <TermsField id="g-terms-error" checked=false error=Some("Agree to the terms to continue".to_owned()) />
        </Entry>
        <Entry
            id="branch-choice"
            title="Radio cards — the branch choice"
            props=r#"BranchOption branch=Register checked=true; BranchOption branch=Link checked=false"#
        >
            <fieldset>
                <legend class="legend-m">{t!(i18n, branch_question)}</legend>
                <BranchOption
                    branch=Branch::Register
                    label="No billing account"
                    hint="Register a Guance account and billing account."
                    checked=true
                />
                <BranchOption
                    branch=Branch::Link
                    label="I have a billing account"
                    hint="Link your existing billing account."
                    checked=false
                />
            </fieldset>
        </Entry>
        <Entry
            id="button"
            title="Button — primary, secondary, small, link"
            props=r#"Button label="Continue"; kind=Secondary; small=true; href="/gallery""#
        >
            <div class="gallery-row">
                <Button label="Continue" button_type="button" />
                <Button label="Cancel" kind=ButtonKind::Secondary button_type="button" />
                <Button
                    label="Bind"
                    label_suffix="Production"
                    kind=ButtonKind::Secondary
                    small=true
                    button_type="button"
                />
                <Button label="Create a workspace" kind=ButtonKind::Secondary href="/gallery#button" />
            </div>
        </Entry>
        <Entry id="button-disabled" title="Button — disabled" props=r#"Button label="Continue" disabled=true"#>
            <div class="gallery-row">
                <Button label="Continue" disabled=true button_type="button" />
                <Button label="Cancel" kind=ButtonKind::Secondary disabled=true button_type="button" />
            </div>
        </Entry>
        <Entry id="button-busy" title="Button — busy" props=r#"Button label="Activate" busy=true"#>
            <div class="gallery-row">
                <Button label="Activate" busy=true button_type="button" />
                <Button label="Send code" kind=ButtonKind::Secondary busy=true button_type="button" />
            </div>
        </Entry>
        <Entry
            id="button-press"
            title="Button — busy on press (press it)"
            props=r#"Button label="Activate" busy_on_press=true"#
        >
            <Button label="Activate" busy_on_press=true button_type="button" />
        </Entry>
        <Entry
            id="button-long"
            title="Button — long label, Chinese label"
            props=r#"Button label="Register and create the workspace…"; label="激活""#
        >
            <div class="gallery-row">
                <Button
                    label="Register a Guance account and create the workspace on the Frankfurt site"
                    button_type="button"
                />
                <Button label="激活" button_type="button" />
                <Button label="取消" kind=ButtonKind::Secondary button_type="button" />
            </div>
        </Entry>
        <Entry
            id="notice"
            title="Notification banner — information"
            props=r#"Notice text="We sent a code to alice@example.com…""#
        >
            <Notice text="We sent a 6-digit code to alice@example.com. It expires in 10 minutes" />
        </Entry>
        <Entry
            id="notice-warning"
            title="Notification banner — warning with a title"
            props=r#"Notice kind=Warning title="Your payment failed" text="…""#
        >
            <Notice
                kind=NoticeKind::Warning
                title="AWS could not take your payment"
                text="Update your payment method in the AWS console; your workspaces keep running for 14 days."
            />
        </Entry>
        <Entry
            id="notice-success"
            title="Notification banner — success, Chinese"
            props=r#"Notice kind=Success text="邮箱已验证""#
        >
            <Notice kind=NoticeKind::Success text="Your email address is verified" />
            <Notice
                kind=NoticeKind::Success
                text="邮箱已验证。验证码在 10 分钟内有效，请勿将其告诉任何人。"
            />
        </Entry>
        <Entry
            id="summary-list"
            title="Summary list — with Change links"
            props=r#"SummaryList { SummaryRow label="Username" change="/activate/register" { "alice" } … }"#
        >
            <SummaryList>
                <SummaryRow label="Username" change="/gallery#summary-list">
                    "alice"
                </SummaryRow>
                <SummaryRow label="Company name" change="/gallery#summary-list">
                    "Observability of the payments platform in the Frankfurt region, Ltd."
                </SummaryRow>
                <SummaryRow label="公司名称" change="/gallery#summary-list">
                    "杭州观测云科技有限公司"
                </SummaryRow>
            </SummaryList>
        </Entry>
        <Entry
            id="summary-list-plain"
            title="Summary list — without Change links"
            props=r#"SummaryList { SummaryRow label="AWS account" { "1111-2222-3333" } … }"#
        >
            <SummaryList>
                <SummaryRow label="AWS account">"1111-2222-3333"</SummaryRow>
                <SummaryRow label="Settlement">
                    <StateTag state=WorkspaceState::Linked />
                </SummaryRow>
            </SummaryList>
        </Entry>
        <Entry
            id="site-selector"
            title="Site selector"
            props=r#"SiteSelector site=Site::Cn2 back="/gallery#site-selector""#
        >
            <SiteSelector
                site=Site::Cn2
                back="/gallery#site-selector".to_owned()
                action=crate::wizard::link::site_action()
            />
        </Entry>
        <Entry
            id="workspace-rows"
            title="Workspace list rows — each state, a long and a Chinese name"
            props=r#"WorkspaceListRow row=WorkspaceRow { state: Linked | Unlinked | SettledByOther, … } aws_account="1111-2222-3333""#
        >
            <table class="table">
                <caption class="visually-hidden">"Workspaces"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Workspace"</th>
                        <th scope="col">"Site"</th>
                        <th scope="col">"Language"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">
                            <span class="visually-hidden">"Action"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {workspace_rows()
                        .into_iter()
                        .map(|row| {
                            view! {
                                <WorkspaceListRow
                                    row
                                    aws_account="1111-2222-3333".to_owned()
                                    bind_action="/gallery".to_owned()
                                />
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </Entry>
        <Entry id="step-indicator" title="Step indicator" props=r#"StepIndicator step=2"#>
            <StepIndicator step=2 total=crate::wizard::REGISTER_STEPS />
        </Entry>
        <Entry
            id="error-summary"
            title="Error summary"
            props=r#"ErrorSummary items=[("g-company", "…"), ("g-code-error", "…")]"#
        >
            <ErrorSummary errors=summary_errors() />
        </Entry>
        <Entry
            id="bind-dialog"
            title="Confirmation dialog — Bind (press it)"
            props=r#"BindControl workspace_id=0 name="Production" words=BindWords { … } action="/gallery""#
        >
            <BindControl
                workspace_id=0
                name="Production".to_owned()
                action="/gallery".to_owned()
                words=BindWords {
                    bind: "Bind".to_owned(),
                    title: "Bind “Production” to AWS account 1111-2222-3333?".to_owned(),
                    consequence: "From now on, Production is billed through AWS Marketplace to this AWS account."
                        .to_owned(),
                    confirm: "Confirm".to_owned(),
                    cancel: "Cancel".to_owned(),
                }
            />
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
    }
}

const INDEX: [(&str, &str); 19] = [
    ("page-layout", "Page layout"),
    ("text-field", "Text field"),
    ("password-field", "Password field"),
    ("code-field", "Code field"),
    ("send-code", "Send code"),
    ("select", "Select"),
    ("checkbox", "Checkbox"),
    ("language-field", "Workspace language"),
    ("terms-field", "Terms"),
    ("branch-choice", "Radio cards"),
    ("button", "Button"),
    ("notice", "Notification banner"),
    ("summary-list", "Summary list"),
    ("site-selector", "Site selector"),
    ("workspace-rows", "Workspace list row"),
    ("step-indicator", "Step indicator"),
    ("error-summary", "Error summary"),
    ("bind-dialog", "Confirmation dialog"),
    ("state-tags", "Workspace states"),
];

fn summary_errors() -> FormErrors {
    let mut errors = FormErrors::one("g-company", "Company name must be 2 characters or more");
    errors.push("g-code-error", "The verification code is not correct. You have 4 more tries");
    errors
}

fn options() -> Vec<(&'static str, String)> {
    vec![("a", "1–49 people".to_owned()), ("b", "50–499 people".to_owned()), ("c", "500 people or more".to_owned())]
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
        row(101, "Production", "en", WorkspaceState::Linked),
        row(102, "Staging", "en", WorkspaceState::Unlinked),
        row(103, "Finance team", "en", WorkspaceState::SettledByOther),
        row(104, "Observability of the payments platform in the Frankfurt region", "en", WorkspaceState::Unlinked),
        row(105, "生产环境", "zh", WorkspaceState::Linked),
        WorkspaceRow {
            site_code: Site::Eu1.code().to_owned(),
            ..row(106, "Frankfurt", "en", WorkspaceState::SiteNotOffered)
        },
    ]
}
