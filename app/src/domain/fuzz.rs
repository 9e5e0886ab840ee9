//! Property tests of every `parse` the browser and the server share (issue 14's fuzzing, with proptest on
//! stable Rust): any input — any Unicode, control characters, very long — gives a value or a `FieldError`,
//! never a panic; what parses once parses again to the same value (the database only sees parsed values).

use super::*;
use proptest::prelude::*;

/// Strings a hostile form would send: any Unicode, with control characters and lengths beyond every rule.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,80}",
        "[ -~]{0,300}",
        "[\\x00-\\x1f\\x7f\\u{200b}\\u{202e}\\u{feff}a-z@. ]{0,40}",
        "[a-zA-Z0-9._%+-]{1,70}@[a-zA-Z0-9.-]{1,70}",
        "[0-9 +()-]{0,40}",
    ]
}

macro_rules! stable {
    ($ty:ty, $input:expr, $show:ident) => {
        if let Ok(value) = <$ty>::parse($input) {
            let again = <$ty>::parse(value.$show()).expect("a parsed value parses again");
            prop_assert_eq!(again.$show(), value.$show());
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_parse_answers_and_parsed_values_are_stable(input in hostile()) {
        stable!(Username, &input, as_str);
        stable!(Email, &input, as_str);
        stable!(Password, &input, expose);
        stable!(CompanyName, &input, as_str);
        stable!(WorkspaceName, &input, as_str);
        stable!(VerificationCode, &input, as_str);
        stable!(AwsAccountId, &input, as_str);
        stable!(ProductCode, &input, as_str);
        if let Ok(token) = MarketplaceToken::parse(&input) {
            prop_assert!(!token.as_str().is_empty());
        }
        if let Ok(Some(phone)) = Phone::parse_optional(&input) {
            prop_assert_eq!(Phone::parse_optional(phone.as_str()).expect("again").map(|p| p.as_str().to_owned()),
                Some(phone.as_str().to_owned()));
        }
        let _ = Site::parse_aws(&input);
        let _ = WorkspaceLanguage::parse(&input);
        let _ = Branch::parse(&input);
        let _ = Industry::parse_optional(&input);
        let _ = CompanySize::parse_optional(&input);
        if let Some(back) = crate::paths::safe_back(&input) {
            prop_assert!(back.starts_with('/') && !back.starts_with("//"));
            prop_assert!(!back.chars().any(|c| c.is_control() || c == '\\'));
        }
    }
}
