//! The one way the wizard sends a verification code, and the one check of a typed one, for every step that
//! asks for an emailed code (register step 1, Link billing account, Create workspace).

use super::draft::Draft;
use super::ports::{now, CodeSubject, Ports};
use super::session::SessionKey;
use super::unavailable;
use crate::domain::codes::CodePurpose;
use crate::domain::rules::FieldRule;
use crate::domain::VerificationCode;
use crate::error::{AppError, FormErrors};
use crate::i18n::{td_string, Locale};
use crate::messages::{code_rejection, send_refusal};

/// A code a wizard form asks for: which form (`register`, `link_billing`, `link_create` — its Send code button
/// counts down), the address as the buyer typed it, what the code proves, and where it goes.
pub struct CodeRequest<'a> {
    pub form: &'a str,
    pub typed: &'a str,
    pub purpose: CodePurpose,
    pub subject: CodeSubject,
}

/// Sends the code `request` asks for (the limits are the code service's). True when it went, and the draft
/// notes it for the form's countdown; otherwise the reason is on the `code` field. Our outage is an error.
pub async fn send_code(
    locale: Locale,
    ports: &Ports,
    key: &SessionKey,
    request: CodeRequest<'_>,
    draft: &mut Draft,
    errors: &mut FormErrors,
) -> Result<bool, AppError> {
    let sent = ports.codes.send_code(key, request.purpose, &request.subject, locale, now()).await;
    match sent.map_err(unavailable)? {
        Ok(()) => {
            draft.sent_code(request.form, request.typed, now());
            Ok(true)
        }
        Err(refusal) => {
            errors.push("code", send_refusal(locale, refusal));
            Ok(false)
        }
    }
}

/// Checks the typed code for `address` (see [`crate::ssr::ports::CodeSubject`]); true when it is right (and
/// now used up), else the reason goes to the `code` field. Only its shape is checked while `others_ok` is false
/// (another answer of the step is wrong): an error elsewhere never uses up a try, and the buyer is told the
/// code is still to be checked.
#[allow(clippy::too_many_arguments)]
pub async fn verify_code(
    locale: Locale,
    ports: &Ports,
    key: &SessionKey,
    purpose: CodePurpose,
    address: &str,
    typed: &str,
    others_ok: bool,
    errors: &mut FormErrors,
) -> Result<bool, AppError> {
    let code = match VerificationCode::parse(typed) {
        Ok(code) => code,
        Err(e) => {
            errors.push("code", FieldRule::Code.describe(locale, e));
            return Ok(false);
        }
    };
    if !others_ok {
        errors.push("code", td_string!(locale, err_code_not_checked));
        return Ok(false);
    }
    match ports.codes.check_code(key, purpose, address, &code, locale, now()).await.map_err(unavailable)? {
        Ok(()) => Ok(true),
        Err(rejection) => {
            errors.push("code", code_rejection(locale, rejection));
            Ok(false)
        }
    }
}
