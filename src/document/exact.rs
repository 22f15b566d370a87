//! JSON trees without spare capacity. A map grown one insert at a time keeps room for more
//! (indexmap rounds its entries up to its hash table's size), and a large compile holds many
//! thousands of small maps at once: built at their exact size they take about half.

use serde_json::{Map, Value as Json};

/// The map of `entries`, its capacity exactly their number; `None` when a key repeats.
pub fn map(entries: Vec<(String, Json)>) -> Option<Json> {
    let count = entries.len();
    let map: Map<String, Json> = entries.into_iter().collect();
    (map.len() == count).then_some(Json::Object(map))
}

/// `items` as an array without spare capacity.
pub fn array(mut items: Vec<Json>) -> Json {
    items.shrink_to_fit();
    Json::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_map_keeps_its_order() {
        let entries = vec![("b".to_string(), Json::from(1)), ("a".to_string(), array(vec![Json::Null]))];
        assert_eq!(serde_json::to_string(&map(entries).unwrap()).unwrap(), r#"{"b":1,"a":[null]}"#);
    }

    #[test]
    fn a_repeated_key_is_refused() {
        assert!(map(vec![("a".into(), Json::Null), ("a".into(), Json::Null)]).is_none());
        assert!(map(vec![("a".into(), Json::Null), ("b".into(), Json::Null)]).is_some());
    }
}
