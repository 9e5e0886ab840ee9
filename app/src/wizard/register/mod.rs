//! The register branch ("I don't have a billing account"), one file per step in order, then the completion
//! page.

pub mod basic;
pub mod check;
pub mod company;
pub mod done;
pub mod workspace;
