//! The console's navigation: Customers, Metering records, Webhooks, and Log out, on every console page.

use super::login::OperatorLogoutButton;
use crate::i18n::{t, use_i18n};
use leptos::prelude::*;

/// Which console page is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Customers,
    Metering,
    Webhooks,
}

/// The console's navigation, the current section marked for screen readers too; `operator` is who is
/// logged in.
#[component]
pub fn ConsoleNav(current: Section, operator: String) -> impl IntoView {
    let i18n = use_i18n();
    let current_page = |section: Section| (section == current).then_some("page");
    view! {
        <div class="page-top console-top">
            <nav aria-label=crate::i18n::td_string!(i18n.get_locale_untracked(), operator_nav_label)>
                <ul class="console-nav">
                    <li>
                        <a href=crate::paths::OPERATOR aria-current=current_page(Section::Customers)>
                            {t!(i18n, operator_customers_title)}
                        </a>
                    </li>
                    <li>
                        <a href=crate::paths::OPERATOR_METERING aria-current=current_page(Section::Metering)>
                            {t!(i18n, operator_metering_title)}
                        </a>
                    </li>
                    <li>
                        <a href=crate::paths::OPERATOR_WEBHOOKS aria-current=current_page(Section::Webhooks)>
                            {t!(i18n, operator_webhooks_title)}
                        </a>
                    </li>
                </ul>
            </nav>
            <p class="console-operator">{t!(i18n, operator_signed_in_as)} " " <strong>{operator}</strong></p>
            <OperatorLogoutButton />
        </div>
    }
}
