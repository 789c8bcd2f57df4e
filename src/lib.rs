#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, unused_must_use)]
#![warn(clippy::unwrap_used)]

pub mod clock;
pub mod crypto;
pub mod institution;
pub mod model;
pub mod pki;
pub mod provider;
pub mod soap;
pub mod wss;
pub mod xml;
