//! The browser entry point: hydrate the islands of the server-rendered page. Everything else lives in `app`.

// Link `app` into the bundle: its `#[island]`s export the functions `hydrate_islands` looks up by name.
extern crate app;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
