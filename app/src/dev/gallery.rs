//! `/gallery` (dev mode): every component of the portal in its states, side by side, each under a stable
//! anchor with the props that produce it. It renders the components the pages use — nothing here is a copy —
//! so a designer sees a change everywhere at once, and the visual checks compare the same markup.

use super::gallery_entry::Entry;
use crate::domain::rules::FieldRule;
use crate::domain::workspace::WorkspaceState;
use crate::domain::{Branch, CompanySize, FieldError, Industry, Site};
use crate::error::FormErrors;
use crate::i18n::{t, td_string, use_i18n};
use crate::messages::{company_size_label, industry_label};
use crate::ui::SiteSelector;
use crate::ui::StateTag;
use crate::ui::StepIndicator;
use crate::ui::{BranchOption, ErrorSummary, NotFound};
use crate::ui::{
    Button, ButtonKind, Checkbox, CodeField, LanguageField, Notice, NoticeKind, PasswordField, Select, SendCodeButton,
    SummaryList, SummaryRow, TermsField, TextField,
};
use leptos::prelude::*;
use leptos_meta::Title;

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
    // Every sample speaks the page's language, in the words the pages use (the same catalogue entries).
    let locale = i18n.get_locale_untracked();
    let rule = move |rule: FieldRule, error: FieldError| Some(rule.describe(locale, error));
    let industries = move || -> Vec<(&'static str, String)> {
        Industry::ALL.iter().map(|i| (i.code(), industry_label(locale, *i).to_owned())).collect()
    };
    let sizes = move || -> Vec<(&'static str, String)> {
        CompanySize::ALL.iter().map(|s| (s.code(), company_size_label(locale, *s).to_owned())).collect()
    };
    let weak = td_string!(locale, weak_password_because, reason = td_string!(locale, weak_common)).to_string();
    let wrong_code = move || td_string!(locale, err_code_wrong, remaining = 4).to_string();
    view! {
        <Title text="Component gallery" />
        <h1>"Component gallery"</h1>
        <p>
            "Every component in its states, as the pages render it and in the pages' words. The header's switch shows them in Chinese."
        </p>
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
            title="Page layout — header with the language switch (the footer ends this page)"
            props=r#"PageLayout { children }: SiteHeader, <main id="main">, SiteFooter"#
        >
            <crate::ui::SiteHeader />
        </Entry>

        <Entry
            id="text-field"
            title="Text field — empty, with a hint"
            props=r#"TextField id="g-username" label=answer_username hint=username_hint value="""#
        >
            <TextField
                id="g-username"
                label=td_string!(locale, answer_username)
                hint=td_string!(locale, username_hint)
                value=""
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-filled"
            title="Text field — filled"
            props=r#"TextField id="g-email" label=answer_email kind="email" value="alice@example.com""#
        >
            <TextField
                id="g-email"
                label=td_string!(locale, answer_email)
                hint=td_string!(locale, email_hint)
                kind="email"
                value="alice@example.com"
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-error"
            title="Text field — error"
            props=r#"TextField id="g-company" label=answer_company_name value="A" error=CompanyName TooShort { min: 2 }"#
        >
            <TextField
                id="g-company"
                label=td_string!(locale, answer_company_name)
                value="A"
                autocomplete="off"
                error=rule(FieldRule::CompanyName, FieldError::TooShort { min: 2 })
            />
        </Entry>
        <Entry
            id="text-field-optional"
            title="Text field — optional"
            props=r#"TextField id="g-phone" label=label_phone optional=true kind="tel" hint=phone_hint"#
        >
            <TextField
                id="g-phone"
                label=td_string!(locale, label_phone)
                optional=true
                kind="tel"
                hint=td_string!(locale, phone_hint)
                value=""
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-disabled"
            title="Text field — disabled"
            props=r#"TextField id="g-account" label=activate_aws_account value="1111-2222-3333" disabled=true"#
        >
            <TextField
                id="g-account"
                label=td_string!(locale, activate_aws_account)
                value="1111-2222-3333"
                autocomplete="off"
                error=None
                disabled=true
            />
        </Entry>
        <Entry
            id="text-field-long"
            title="Text field — long text"
            props=r#"TextField id="g-long" label=answer_workspace_name hint=workspace_name_hint value="Observability of the payments platform…""#
        >
            <TextField
                id="g-long"
                label=td_string!(locale, answer_workspace_name)
                hint=td_string!(locale, workspace_name_hint)
                value="Observability of the payments platform in Oregon"
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="text-field-chinese"
            title="Text field — Chinese text"
            props=r#"TextField id="g-zh" label=answer_company_name value="杭州观测云科技有限公司" error=CompanyName TooLong { max: 10 }"#
        >
            <TextField
                id="g-zh"
                label=td_string!(locale, answer_company_name)
                value="杭州观测云科技有限公司"
                autocomplete="off"
                error=rule(FieldRule::CompanyName, FieldError::TooLong { max: 10 })
            />
        </Entry>
        <Entry
            id="password-field"
            title="Password field — Show / Hide"
            props=r#"PasswordField id="g-password" label=answer_password hint=password_hint error=None"#
        >
            <PasswordField
                id="g-password"
                label=td_string!(locale, answer_password)
                hint=td_string!(locale, password_hint)
                autocomplete="off"
                error=None
            />
        </Entry>
        <Entry
            id="password-field-error"
            title="Password field — strength feedback"
            props=r#"PasswordField id="g-password-weak" label=answer_password error=weak_password_because(weak_common)"#
        >
            <PasswordField
                id="g-password-weak"
                label=td_string!(locale, answer_password)
                autocomplete="off"
                error=Some(weak)
            />
        </Entry>
        <Entry id="code-field" title="Code field — empty" props=r#"CodeField id="g-code" error=None"#>
            <CodeField id="g-code" error=None />
        </Entry>
        <Entry
            id="code-field-error"
            title="Code field — error"
            props=r#"CodeField id="g-code-error" error=err_code_wrong(remaining = 4)"#
        >
            <CodeField id="g-code-error" error=Some(wrong_code()) />
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
            <TextField
                id="g-sent"
                label=td_string!(locale, answer_email)
                kind="email"
                value="alice@example.com"
                autocomplete="off"
                error=None
            />
            <SendCodeButton field="g-sent" sent_to="alice@example.com".to_owned() wait_secs=60 />
        </Entry>
        <Entry
            id="select"
            title="Select — nothing chosen (the industries)"
            props=r#"Select id="g-industry" label=label_industry optional=true options=Industry::ALL selected="""#
        >
            <Select
                id="g-industry"
                label=td_string!(locale, label_industry)
                optional=true
                options=industries()
                selected=""
                error=None
            />
        </Entry>
        <Entry
            id="select-chosen"
            title="Select — chosen (the company sizes)"
            props=r#"Select id="g-size" label=label_company_size options=CompanySize::ALL selected=the second"#
        >
            <Select
                id="g-size"
                label=td_string!(locale, label_company_size)
                optional=true
                options=sizes()
                selected=CompanySize::ALL[1].code()
                error=None
            />
        </Entry>
        <Entry
            id="select-error"
            title="Select — error"
            props=r#"Select id="g-select-error" selected="" error=Some(…)"#
        >
            <Select
                id="g-select-error"
                label=td_string!(locale, label_industry)
                optional=true
                options=industries()
                selected=""
                error=Some(td_string!(locale, err_language_required).to_owned())
            />
        </Entry>
        <Entry
            id="select-disabled"
            title="Select — disabled"
            props=r#"Select id="g-select-disabled" options=CompanySize::ALL selected=the first disabled=true"#
        >
            <Select
                id="g-select-disabled"
                label=td_string!(locale, label_company_size)
                options=sizes()
                selected=CompanySize::ALL[0].code()
                error=None
                disabled=true
            />
        </Entry>
        <Entry
            id="checkbox"
            title="Checkbox — unchecked, checked, disabled"
            props=r#"Checkbox id="g-box" name="terms" label=terms_label checked=false | true; disabled=true"#
        >
            <Checkbox id="g-box" name="g-terms" label=td_string!(locale, terms_label) checked=false error=None />
            <Checkbox id="g-box-checked" name="g-terms" label=td_string!(locale, terms_label) checked=true error=None />
            <Checkbox
                id="g-box-disabled"
                name="g-terms"
                label=td_string!(locale, terms_label)
                checked=false
                error=None
                disabled=true
            />
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
            props=r#"LanguageField id="g-language-error" selected="" error=err_language_required"#
        >
            <LanguageField
                id="g-language-error"
                selected=String::new()
                error=Some(td_string!(locale, err_language_required).to_owned())
            />
        </Entry>
        <Entry id="terms-field" title="Terms — checked" props=r#"TermsField id="g-terms" checked=true error=None"#>
            <TermsField id="g-terms" checked=true error=None />
        </Entry>
        <Entry
            id="terms-field-error"
            title="Terms — error"
            props=r#"TermsField id="g-terms-error" checked=false error=err_terms"#
        >
            <TermsField id="g-terms-error" checked=false error=Some(td_string!(locale, err_terms).to_owned()) />
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
                    label=td_string!(locale, branch_register)
                    hint=td_string!(locale, branch_register_hint)
                    checked=true
                />
                <BranchOption
                    branch=Branch::Link
                    label=td_string!(locale, branch_link)
                    hint=td_string!(locale, branch_link_hint)
                    checked=false
                />
            </fieldset>
        </Entry>
        <Entry
            id="button"
            title="Button — primary, secondary, small, link"
            props=r#"Button label=button_continue; kind=Secondary; small=true; href="/gallery""#
        >
            <div class="gallery-row">
                <Button label=td_string!(locale, button_continue) button_type="button" />
                <Button label=td_string!(locale, button_cancel) kind=ButtonKind::Secondary button_type="button" />
                <Button
                    label=td_string!(locale, button_bind)
                    label_suffix="Production"
                    kind=ButtonKind::Secondary
                    small=true
                    button_type="button"
                />
                <Button
                    label=td_string!(locale, button_create_workspace)
                    kind=ButtonKind::Secondary
                    href="/gallery#button"
                />
            </div>
        </Entry>
        <Entry id="button-disabled" title="Button — disabled" props=r#"Button label=button_continue disabled=true"#>
            <div class="gallery-row">
                <Button label=td_string!(locale, button_continue) disabled=true button_type="button" />
                <Button
                    label=td_string!(locale, button_cancel)
                    kind=ButtonKind::Secondary
                    disabled=true
                    button_type="button"
                />
            </div>
        </Entry>
        <Entry id="button-busy" title="Button — busy" props=r#"Button label=button_activate busy=true"#>
            <div class="gallery-row">
                <Button label=td_string!(locale, button_activate) busy=true button_type="button" />
                <Button label=td_string!(locale, send_code) kind=ButtonKind::Secondary busy=true button_type="button" />
            </div>
        </Entry>
        <Entry
            id="button-press"
            title="Button — busy on press (press it)"
            props=r#"Button label=button_activate busy_on_press=true"#
        >
            <Button label=td_string!(locale, button_activate) busy_on_press=true button_type="button" />
        </Entry>
        <Entry
            id="button-long"
            title="Button — long labels"
            props=r#"Button label=button_register_create; label=button_link_start_again"#
        >
            <div class="gallery-row">
                <Button label=td_string!(locale, button_register_create) button_type="button" />
                <Button
                    label=td_string!(locale, button_link_start_again)
                    kind=ButtonKind::Secondary
                    button_type="button"
                />
            </div>
        </Entry>
        <Entry
            id="notice"
            title="Notification banner — information"
            props=r#"Notice text=msg_code_sent(email = "alice@example.com")"#
        >
            <Notice text=td_string!(locale, msg_code_sent, email = "alice@example.com").to_string() />
        </Entry>
        <Entry
            id="notice-warning"
            title="Notification banner — warning with a title"
            props=r#"Notice kind=Warning title=payment_failed_heading text=payment_failed_text"#
        >
            <Notice
                kind=NoticeKind::Warning
                title=td_string!(locale, payment_failed_heading)
                text=td_string!(locale, payment_failed_text)
            />
        </Entry>
        <Entry
            id="notice-success"
            title="Notification banner — success"
            props=r#"Notice kind=Success text=email_verified; text=msg_bound"#
        >
            <Notice kind=NoticeKind::Success text=td_string!(locale, email_verified) />
            <Notice kind=NoticeKind::Success text=td_string!(locale, msg_bound) />
        </Entry>
        <Entry
            id="summary-list"
            title="Summary list — with Change links"
            props=r#"SummaryList { SummaryRow label=answer_username change="/activate/register#username" { "alice" } … }"#
        >
            <SummaryList>
                <SummaryRow label=td_string!(locale, answer_username) change="/gallery#summary-list">
                    "alice"
                </SummaryRow>
                <SummaryRow label=td_string!(locale, answer_company_name) change="/gallery#summary-list">
                    "Observability of the payments platform in Oregon, Ltd."
                </SummaryRow>
                <SummaryRow label=td_string!(locale, answer_company_name) change="/gallery#summary-list">
                    "杭州观测云科技有限公司"
                </SummaryRow>
            </SummaryList>
        </Entry>
        <Entry
            id="summary-list-plain"
            title="Summary list — without Change links"
            props=r#"SummaryList { SummaryRow label=activate_aws_account { "1111-2222-3333" } … }"#
        >
            <SummaryList>
                <SummaryRow label=td_string!(locale, activate_aws_account)>
                    <span class="aws-account">"1111-2222-3333"</span>
                </SummaryRow>
                <SummaryRow label=td_string!(locale, done_settlement)>
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
        <Entry id="step-indicator" title="Step indicator" props=r#"StepIndicator step=2"#>
            <StepIndicator step=2 total=crate::wizard::REGISTER_STEPS />
        </Entry>
        <Entry
            id="error-summary"
            title="Error summary"
            props=r#"ErrorSummary items=[("g-company", CompanyName TooShort), ("g-code-error", err_code_wrong)]"#
        >
            <ErrorSummary errors={
                let mut errors = FormErrors::default();
                errors.push("g-company", FieldRule::CompanyName.describe(locale, FieldError::TooShort { min: 2 }));
                errors.push("g-code-error", wrong_code());
                errors
            } />
        </Entry>
        <super::gallery_pages::PageSamples />
    }
}

const INDEX: [(&str, &str); 23] = [
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
    ("completion-panel", "Completion panel"),
    ("billing-table", "Billing table"),
    ("install-box", "Install-command box"),
    ("session-ended", "Session ended"),
];
