//! The one check of a typed verification code, for every step that asks for one.

use super::checks::push;
use super::ports::{now, Ports};
use super::session::SessionKey;
use super::unavailable;
use crate::domain::codes::CodePurpose;
use crate::domain::VerificationCode;
use crate::error::AppError;
use crate::i18n::{td_string, Locale};
use crate::messages::{code_rejection, FieldMessages};

/// Checks the typed code for `address` (see [`crate::ssr::ports::CodeSubject`]); true when it is right (and
/// now used up), else the reason goes to the `code` field.
pub async fn verify_code(
    locale: Locale,
    ports: &Ports,
    key: &SessionKey,
    purpose: CodePurpose,
    address: &str,
    typed: &str,
    errors: &mut Vec<(String, String)>,
) -> Result<bool, AppError> {
    let code = match VerificationCode::parse(typed) {
        Ok(code) => code,
        Err(e) => {
            let enter = td_string!(locale, err_code_required);
            push(errors, "code", FieldMessages::new(locale, td_string!(locale, subject_code), enter).describe(e));
            return Ok(false);
        }
    };
    match ports.codes.check_code(key, purpose, address, &code, locale, now()).await.map_err(unavailable)? {
        Ok(()) => Ok(true),
        Err(rejection) => {
            push(errors, "code", code_rejection(locale, rejection));
            Ok(false)
        }
    }
}
