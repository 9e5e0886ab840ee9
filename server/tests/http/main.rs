//! Every HTTP suite in one test binary (one link of the server instead of one per suite): each module starts
//! the portal it needs — in this process on a free port with a fresh SQLite database (`common::start`), or as
//! processes of the built binary (`common::process`) — and talks to it over HTTP as a browser, AWS or an
//! attacker would.

// A suite's test is one journey told in order (subscribe, kill, resume, activate…); cut into helpers it would
// hide the sequence it proves. The product's code keeps the workspace's line limit.
#![allow(clippy::too_many_lines)]

mod common;

mod assets;
mod console;
mod entitlements;
mod events;
mod faults;
mod fulfillment;
mod fuzz;
mod journeys;
mod login;
mod metering;
mod multi_instance;
mod navigation;
mod operators;
mod reconcile;
mod security;
mod security_events;
mod webhooks;
