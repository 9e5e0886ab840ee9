//! Server-only rules that need libraries too large for the browser bundle: password strength (zxcvbn),
//! password hashing (argon2id) and phone numbering plans (phonenumber). The browser shows the same
//! messages after the server answers.

use super::unavailable;
use crate::domain::rules::FieldRule;
use crate::domain::{FieldError, Password, Phone, Username};
use crate::error::{AppError, FormErrors};
use crate::i18n::{td_string, Locale};
use crate::messages::FieldMessages;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use zxcvbn::feedback::Warning;

/// zxcvbn's score (0–4) a password needs: 3 is "safely unguessable: moderate protection from offline
/// slow-hash scenario".
pub const MIN_STRENGTH: u8 = 3;

/// Why a long-enough password is still refused.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakPassword {
    /// zxcvbn's warning ("This is a very common password."), when it has one.
    pub warning: Option<Warning>,
}

impl WeakPassword {
    /// The reason, when there is one, and what to do, in the buyer's language.
    pub fn message(&self, locale: Locale) -> String {
        let reason = match self.warning {
            None => return td_string!(locale, weak_password).to_owned(),
            Some(Warning::StraightRowsOfKeysAreEasyToGuess) => td_string!(locale, weak_straight_rows),
            Some(Warning::ShortKeyboardPatternsAreEasyToGuess) => td_string!(locale, weak_short_keyboard_patterns),
            Some(Warning::RepeatsLikeAaaAreEasyToGuess) => td_string!(locale, weak_repeats_aaa),
            Some(Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess) => td_string!(locale, weak_repeats_abcabc),
            Some(Warning::ThisIsATop10Password) => td_string!(locale, weak_top10),
            Some(Warning::ThisIsATop100Password) => td_string!(locale, weak_top100),
            Some(Warning::ThisIsACommonPassword) => td_string!(locale, weak_common),
            Some(Warning::ThisIsSimilarToACommonlyUsedPassword) => td_string!(locale, weak_similar_to_common),
            Some(Warning::SequencesLikeAbcAreEasyToGuess) => td_string!(locale, weak_sequences),
            Some(Warning::RecentYearsAreEasyToGuess) => td_string!(locale, weak_recent_years),
            Some(Warning::AWordByItselfIsEasyToGuess) => td_string!(locale, weak_word_by_itself),
            Some(Warning::DatesAreOftenEasyToGuess) => td_string!(locale, weak_dates),
            Some(Warning::NamesAndSurnamesByThemselvesAreEasyToGuess) => td_string!(locale, weak_names_by_themselves),
            Some(Warning::CommonNamesAndSurnamesAreEasyToGuess) => td_string!(locale, weak_common_names),
        };
        td_string!(locale, weak_password_because, reason = reason).to_string()
    }
}

/// Checks a password against zxcvbn's dictionaries and patterns, also penalising the buyer's own username
/// and email (`user_inputs`).
pub fn check_strength(password: &Password, user_inputs: &[&str]) -> Result<(), WeakPassword> {
    let estimate = zxcvbn::zxcvbn(password.expose(), user_inputs);
    if u8::from(estimate.score()) >= MIN_STRENGTH {
        return Ok(());
    }
    Err(WeakPassword { warning: estimate.feedback().and_then(|feedback| feedback.warning()) })
}

/// How many argon2 computations run at once: one per core (each takes 19 MiB and tens of milliseconds).
fn hashing_threads() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

/// Slots for hashing: a flood of logins queues here instead of exhausting memory and the blocking pool.
fn hashing_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS.get_or_init(|| tokio::sync::Semaphore::new(hashing_threads()))
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads: a fixed few, living as long as the process. On tokio's blocking pool each 19 MiB
/// buffer would be freed into whichever thread's allocator arena ran it, and the process kept up to one per
/// arena (measured: 30 → 340 MB RSS under a login flood); here at most one per hashing thread stays.
fn hashing_queue() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<Job>> {
    static QUEUE: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> = std::sync::OnceLock::new();
    QUEUE.get_or_init(|| {
        let (send, receive) = std::sync::mpsc::channel::<Job>();
        let receive = std::sync::Arc::new(std::sync::Mutex::new(receive));
        for i in 0..hashing_threads() {
            let receive = receive.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || loop {
                let job = match receive.lock() {
                    Ok(queue) => queue.recv(),
                    Err(poisoned) => poisoned.into_inner().recv(),
                };
                match job {
                    Ok(job) => job(),
                    Err(_) => return,
                }
            });
            if let Err(e) = spawned {
                leptos::logging::error!("a hashing thread could not start: {e}");
            }
        }
        std::sync::Mutex::new(send)
    })
}

/// How long a request waits for a free hashing slot before it is told the service is busy.
pub const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// The hashing slots were all taken for [`HASHING_WAIT`] (or the hashing threads are gone).
#[derive(Debug, thiserror::Error)]
#[error("every password-hashing slot is busy")]
pub struct Busy;

/// Runs `work` (an argon2 hash or verification) on a hashing thread, when one of the per-core slots is
/// free; `Busy` after [`HASHING_WAIT`] (the caller answers 503: try again).
pub async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    hashing_with(hashing_permits(), HASHING_WAIT, work).await
}

async fn hashing_with<T: Send + 'static>(
    permits: &tokio::sync::Semaphore,
    wait: std::time::Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    let _permit = match tokio::time::timeout(wait, permits.acquire()).await {
        Ok(Ok(permit)) => permit,
        _ => return Err(Busy),
    };
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    hashing_queue().lock().map_err(|_| Busy)?.send(job).map_err(|_| Busy)?;
    result.await.map_err(|_| Busy)
}

/// argon2id with OWASP's minimum: 19 MiB of memory, 2 passes, 1 lane.
fn argon2() -> Result<Argon2<'static>, argon2::Error> {
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None)?))
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) to store. CPU-heavy: call it off the async runtime
/// (`tokio::task::spawn_blocking`).
pub fn hash_password(password: &Password) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    let hasher = argon2().map_err(|e| HashError(e.to_string()))?;
    hasher
        .hash_password(nfkc(password.expose()).as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// A password in Unicode NFKC: "ｐａｓｓ" (full width) and "pass", or a precomposed "é" and "e" + combining
/// accent, are the same password.
fn nfkc(password: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    password.nfkc().collect()
}

/// Whether `password` matches a stored PHC string (in NFKC; a hash made before passwords were normalised is
/// also tried with the password as typed). A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(hasher) = argon2() else {
        return false;
    };
    let normalised = nfkc(password);
    hasher.verify_password(normalised.as_bytes(), &parsed).is_ok()
        || (normalised != password && hasher.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Checks a phone number against the numbering plans (libphonenumber's data). Numbers without a `+`
/// country code are read as Chinese or US numbers, the portal's two AWS sites.
pub fn check_phone(phone: &Phone) -> Result<(), FieldError> {
    let candidates: &[Option<phonenumber::country::Id>] = if phone.as_str().starts_with('+') {
        &[None]
    } else {
        &[Some(phonenumber::country::Id::CN), Some(phonenumber::country::Id::US)]
    };
    let valid = candidates
        .iter()
        .any(|country| phonenumber::parse(*country, phone.as_str()).is_ok_and(|number| phonenumber::is_valid(&number)));
    if valid {
        Ok(())
    } else {
        Err(FieldError::InvalidPhone)
    }
}

// ---------------------------------------------------------------------------------------------------------
// The new-account rules, shared by the register branch and Create workspace.

/// A new password and its confirmation: the length rules, the strength estimate (with `inputs`, the
/// other answers, counted as guessable) and the match (checked whatever the password's own errors); errors go
/// to `password` / `confirm_password`.
pub fn new_password(
    locale: Locale,
    password: &str,
    confirmation: &str,
    inputs: &[&str],
    errors: &mut FormErrors,
) -> Option<Password> {
    let subject = td_string!(locale, subject_password);
    let parsed = match Password::parse(password) {
        Ok(parsed) => match check_strength(&parsed, inputs) {
            Ok(()) => Some(parsed),
            Err(weak) => {
                errors.push("password", weak.message(locale));
                None
            }
        },
        Err(e) => {
            errors
                .push("password", FieldMessages::new(locale, subject, td_string!(locale, enter_password)).describe(e));
            None
        }
    };
    // Reported beside the password's own error, so both are fixed in one go.
    match FieldRule::confirm(password, confirmation) {
        Ok(()) => parsed,
        Err(e) => {
            errors.push("confirm_password", FieldRule::ConfirmPassword.describe(locale, e));
            None
        }
    }
}

/// A new account's username: its rules, and nobody has it yet; errors go to `username`.
pub async fn new_username(
    locale: Locale,
    ports: &super::ports::Ports,
    typed: &str,
    errors: &mut FormErrors,
) -> Result<Option<Username>, AppError> {
    match Username::parse(typed) {
        Ok(username) if !ports.store.username_available(&username).await.map_err(unavailable)? => {
            errors.push("username", td_string!(locale, err_username_taken));
            Ok(None)
        }
        Ok(username) => Ok(Some(username)),
        Err(e) => {
            errors.push("username", FieldRule::Username.describe(locale, e));
            Ok(None)
        }
    }
}

/// An optional phone number, checked by the phone-number library; errors go to `phone`.
pub fn checked_phone(locale: Locale, input: &str, errors: &mut FormErrors) -> Option<Phone> {
    let checked = Phone::parse_optional(input).and_then(|phone| phone.map(|p| check_phone(&p).map(|()| p)).transpose());
    match checked {
        Ok(phone) => phone,
        Err(e) => {
            errors.push("phone", FieldRule::Phone.describe(locale, e));
            None
        }
    }
}

/// argon2id, off the async threads (it takes tens of milliseconds by design).
pub async fn hash(password: Password) -> Result<String, AppError> {
    hashing(move || hash_password(&password)).await.map_err(unavailable)?.map_err(unavailable)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s).expect("long enough")
    }

    #[test]
    fn a_different_confirmation_is_reported_beside_the_password_s_own_error() {
        let mut errors = FormErrors::default();
        assert!(new_password(Locale::en, "short", "shorter", &[], &mut errors).is_none());
        assert!(errors.field("password").is_some_and(|e| e.contains("15 characters or more")), "{errors:?}");
        assert_eq!(errors.field("confirm_password").as_deref(), Some("The passwords do not match"));
        let mut errors = FormErrors::default();
        assert!(new_password(Locale::en, "passwordpassword", "", &[], &mut errors).is_none());
        assert!(errors.field("password").is_some() && errors.field("confirm_password").is_some(), "{errors:?}");
        let mut errors = FormErrors::default();
        assert!(new_password(Locale::en, "", "", &[], &mut errors).is_none());
        assert_eq!(errors.field("confirm_password"), None, "nothing typed: the password's own error says it");
        let mut errors = FormErrors::default();
        let good = "a long and unusual passphrase 42";
        assert!(new_password(Locale::en, good, good, &[], &mut errors).is_some() && errors.is_empty());
    }

    #[test]
    fn common_and_personal_passwords_are_refused_with_a_reason() {
        let weak = check_strength(&pw("passwordpassword"), &[]).expect_err("common");
        let message = weak.message(Locale::en);
        assert!(message.starts_with("Repeats like "), "the reason comes first: {message}");
        assert!(message.ends_with("three or four unrelated words"), "{message}");
        assert!(check_strength(&pw("aaaaaaaaaaaaaaaaaaaa"), &[]).is_err(), "repeats");
        assert!(check_strength(&pw("buyer2026buyer2026"), &["buyer2026"]).is_err(), "the username itself");
        assert!(check_strength(&pw("correct horse battery staple"), &[]).is_ok());
        assert!(check_strength(&pw("观测云 很好用 我们 一起 上云吧"), &[]).is_ok(), "any script");
    }

    #[tokio::test]
    async fn hashing_waits_for_a_free_slot_and_is_busy_when_none_frees() {
        let permits = tokio::sync::Semaphore::new(1);
        let wait = std::time::Duration::from_millis(50);
        assert_eq!(hashing_with(&permits, wait, || 7).await.ok(), Some(7));
        let _held = permits.acquire().await.expect("permit");
        assert!(hashing_with(&permits, wait, || 7).await.is_err(), "all slots taken");
    }

    #[test]
    fn passwords_match_in_nfkc_whatever_keyboard_typed_them() {
        let typed = Password::parse("Ｃａｆé au lait, s'il vous plaît").expect("password");
        let phc = hash_password(&typed).expect("hash");
        assert!(verify_password("Cafe\u{301} au lait, s'il vous plai\u{302}t", &phc), "full width, combining accents");
        assert!(!verify_password("Cafe au lait, s'il vous plait", &phc), "without accents it is another password");
        // A hash made from the raw text (before normalisation) still verifies.
        let salt = SaltString::generate(&mut OsRng);
        let legacy =
            argon2().expect("argon2").hash_password("Ｆｕｌｌ width legacy pass".as_bytes(), &salt).expect("h");
        assert!(verify_password("Ｆｕｌｌ width legacy pass", &legacy.to_string()));
    }

    #[test]
    fn passwords_are_stored_as_argon2id_phc_strings() {
        let password = pw("correct horse battery staple");
        let phc = hash_password(&password).expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("horse"));
        assert!(verify_password("correct horse battery staple", &phc));
        assert!(!verify_password("correct horse battery stapler", &phc));
        assert!(!verify_password("correct horse battery staple", "not a hash"));
        assert_ne!(phc, hash_password(&password).expect("hash"), "salted");
    }

    #[test]
    fn phone_numbers_follow_numbering_plans() {
        let phone = |s: &str| Phone::parse_optional(s).expect("shape").expect("present");
        assert_eq!(check_phone(&phone("+86 138 0013 8000")), Ok(()));
        assert_eq!(check_phone(&phone("+1 541 754 3010")), Ok(()));
        assert_eq!(check_phone(&phone("138 0013 8000")), Ok(()), "national Chinese mobile");
        assert_eq!(check_phone(&phone("+86 000 0000 0000")), Err(FieldError::InvalidPhone));
        assert_eq!(check_phone(&phone("123456")), Err(FieldError::InvalidPhone));
    }
}
