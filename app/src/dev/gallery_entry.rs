//! One `/gallery` entry.

use leptos::prelude::*;

/// One gallery entry: its anchor, what it shows, the props that produce it, and the component itself.
#[component]
pub(crate) fn Entry(id: &'static str, title: &'static str, props: &'static str, children: Children) -> impl IntoView {
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
