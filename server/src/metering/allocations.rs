//! Usage allocations (AWS's `UsageAllocations`): a usage row's quantity split by tags, checked as AWS checks
//! them, and summed per identical tag set when an hour is frozen into its metering record.

use serde::{Deserialize, Serialize};

/// AWS's limits on usage allocations: tags per allocation, allocations per usage record, and the lengths
/// of a tag's key and value.
pub const MAX_TAGS: usize = 5;
pub const MAX_ALLOCATIONS: usize = 2500;
pub const MAX_TAG_KEY_LEN: usize = 100;
pub const MAX_TAG_VALUE_LEN: usize = 256;

/// One tag of an allocation (AWS's `Tag`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A share of a usage row's quantity for one set of tags (AWS's `UsageAllocation`); no tags: the untagged
/// share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    pub quantity: i64,
    #[serde(default)]
    pub tags: Vec<Tag>,
}

/// AWS's characters for a tag's key and value: letters, digits, spaces and `+ - = . _ : / @`.
pub fn tag_text_ok(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.chars().all(|c| c.is_ascii_alphanumeric() || " +-=._:/@".contains(c))
}

/// Checks a row's allocations against AWS's rules and the row's quantity.
pub fn check_allocations(allocations: &[Allocation], quantity: i64) -> Result<(), String> {
    if allocations.is_empty() || allocations.len() > MAX_ALLOCATIONS {
        return Err(format!("allocations must hold 1 to {MAX_ALLOCATIONS} entries when given"));
    }
    let mut total: i64 = 0;
    for (i, allocation) in allocations.iter().enumerate() {
        if !(0..=i64::from(i32::MAX)).contains(&allocation.quantity) {
            return Err(format!("allocation {i}: quantity must be between 0 and {}", i32::MAX));
        }
        if allocation.tags.len() > MAX_TAGS {
            return Err(format!("allocation {i}: at most {MAX_TAGS} tags"));
        }
        for (j, tag) in allocation.tags.iter().enumerate() {
            if !tag_text_ok(&tag.key, MAX_TAG_KEY_LEN) {
                return Err(format!(
                    "allocation {i}: tag key {:?} must be 1 to {MAX_TAG_KEY_LEN} letters, digits, spaces or + - = . _ : / @",
                    tag.key
                ));
            }
            if !tag_text_ok(&tag.value, MAX_TAG_VALUE_LEN) {
                return Err(format!(
                    "allocation {i}: the value of tag {:?} must be 1 to {MAX_TAG_VALUE_LEN} letters, digits, spaces or + - = . _ : / @",
                    tag.key
                ));
            }
            if allocation.tags[..j].iter().any(|t| t.key == tag.key) {
                return Err(format!("allocation {i}: tag key {:?} appears twice", tag.key));
            }
        }
        total += allocation.quantity;
    }
    if total != quantity {
        return Err(format!("the allocations' quantities sum to {total}, not to the row's quantity {quantity}"));
    }
    Ok(())
}

/// One usage event's quantity and its allocations, as a record's shares are summed from them.
pub type UsagePart = (i64, Option<Vec<Allocation>>);

/// Sums usage per identical tag set (tags compared as sets): each part is an event's quantity and its
/// allocations; an event without allocations counts in the untagged share. `None` when no event had
/// allocations (the record is sent without them). The shares sum to the parts' total.
pub fn aggregate_allocations(parts: &[UsagePart]) -> Option<Vec<Allocation>> {
    if parts.iter().all(|(_, allocations)| allocations.is_none()) {
        return None;
    }
    let mut shares: std::collections::BTreeMap<Vec<Tag>, i64> = std::collections::BTreeMap::new();
    for (quantity, allocations) in parts {
        match allocations {
            Some(allocations) => {
                for allocation in allocations {
                    let mut tags = allocation.tags.clone();
                    tags.sort();
                    *shares.entry(tags).or_default() += allocation.quantity;
                }
            }
            None => *shares.entry(Vec::new()).or_default() += quantity,
        }
    }
    Some(shares.into_iter().map(|(tags, quantity)| Allocation { quantity, tags }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag { key: key.into(), value: value.into() }
    }

    fn share(quantity: i64, tags: &[(&str, &str)]) -> Allocation {
        Allocation { quantity, tags: tags.iter().map(|(k, v)| tag(k, v)).collect() }
    }

    #[test]
    fn allocations_follow_aws_rules_and_sum_to_the_quantity() {
        let with = |allocations: Vec<Allocation>| check_allocations(&allocations, 10);
        assert_eq!(with(vec![share(4, &[("team", "a")]), share(6, &[])]), Ok(()));
        let five: Vec<(String, String)> = (0..5).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        let five: Vec<(&str, &str)> = five.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(with(vec![share(10, &five)]), Ok(()), "five tags");
        let six: Vec<(String, String)> = (0..6).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        let six: Vec<(&str, &str)> = six.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let refused = |allocations: Vec<Allocation>| check_allocations(&allocations, 10).expect_err("refused");
        assert!(refused(vec![share(10, &six)]).contains("at most 5 tags"));
        assert!(refused(vec![share(4, &[("team", "a")])]).contains("sum to 4, not to the row's quantity 10"));
        assert!(refused(vec![share(11, &[]), share(-1, &[])]).contains("allocation 1: quantity"));
        assert!(refused(vec![]).contains("1 to 2500"));
        assert!(refused(vec![share(0, &[]); MAX_ALLOCATIONS + 1]).contains("1 to 2500"));
        assert!(refused(vec![share(10, &[("team", "a"), ("team", "b")])]).contains("appears twice"));
        assert!(refused(vec![share(10, &[("", "a")])]).contains("tag key"));
        assert!(refused(vec![share(10, &[("team#1", "a")])]).contains("tag key"));
        assert!(refused(vec![share(10, &[("team", "")])]).contains("value of tag"));
        assert!(refused(vec![share(10, &[("team", "ü")])]).contains("value of tag"));
        let long_key = "k".repeat(MAX_TAG_KEY_LEN + 1);
        assert!(refused(vec![share(10, &[(&long_key, "v")])]).contains("tag key"));
        let long_value = "v".repeat(MAX_TAG_VALUE_LEN + 1);
        assert!(refused(vec![share(10, &[("k", &long_value)])]).contains("value of tag"));
        let longest_key = "k".repeat(MAX_TAG_KEY_LEN);
        let longest_value = "v".repeat(MAX_TAG_VALUE_LEN);
        let odd = "a-Z 0+=._:/@";
        assert_eq!(with(vec![share(10, &[(&longest_key, &longest_value), (odd, odd)])]), Ok(()));
    }

    #[test]
    fn allocations_are_summed_per_identical_tag_set() {
        assert_eq!(aggregate_allocations(&[(3, None), (4, None)]), None, "no tags anywhere: none are sent");
        let parts = vec![
            (5, Some(vec![share(2, &[("team", "a"), ("env", "prod")]), share(3, &[("team", "b")])])),
            (4, Some(vec![share(4, &[("env", "prod"), ("team", "a")])])), // the same set, in another order
            (7, None),                                                    // no allocations: untagged
            (1, Some(vec![share(1, &[])])),
        ];
        let shares = aggregate_allocations(&parts).expect("allocations");
        assert_eq!(
            shares,
            vec![share(8, &[]), share(6, &[("env", "prod"), ("team", "a")]), share(3, &[("team", "b")])]
        );
        assert_eq!(shares.iter().map(|a| a.quantity).sum::<i64>(), 17, "the shares sum to the record's quantity");
    }
}
