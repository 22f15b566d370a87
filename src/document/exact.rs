//! JSON trees without spare capacity. A map grown one insert at a time keeps room for more
//! (indexmap rounds its entries up to its hash table's size), and a large compile holds many
//! thousands of small maps at once: built at their exact size they take about half.

use serde_json::{Map, Value as Json};

/// The map of `entries`, its capacity exactly their number; `None` when a key repeats.
pub(crate) fn map(entries: Vec<(String, Json)>) -> Option<Json> {
    let count = entries.len();
    let map: Map<String, Json> = entries.into_iter().collect();
    (map.len() == count).then_some(Json::Object(map))
}

/// `items` as an array without spare capacity.
pub(crate) fn array(mut items: Vec<Json>) -> Json {
    items.shrink_to_fit();
    Json::Array(items)
}

/// JSON text as a tree built at its exact size.
pub(crate) fn parse(text: &str) -> serde_json::Result<Json> {
    parse_with(text, Exact { strict: false })
}

/// The same for JSON that must read the same as YAML: no fractional numbers and no integers
/// beyond `i64`; `None` for those, a repeated key, or anything that is not one JSON value.
pub(crate) fn parse_strict(text: &str) -> Option<Json> {
    parse_with(text, Exact { strict: true }).ok()
}

fn parse_with(text: &str, exact: Exact) -> serde_json::Result<Json> {
    use serde::de::DeserializeSeed;
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = exact.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// Deserializes a JSON value with [`map`] and [`array`]; `strict` refuses fractions and
/// integers beyond `i64`.
#[derive(Clone, Copy)]
struct Exact {
    strict: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for Exact {
    type Value = Json;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Exact {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Json, E> {
        if self.strict && v > i64::MAX as u64 { Err(E::custom("a large integer")) } else { Ok(Json::from(v)) }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Json, E> {
        if self.strict { Err(E::custom("a fractional number")) } else { Ok(Json::from(v)) }
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut access: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = access.next_key::<String>()? {
            entries.push((key, access.next_value_seed(self)?));
        }
        map(entries).ok_or_else(|| serde::de::Error::custom("a duplicate key"))
    }
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
    fn parsing_gives_the_same_tree_as_serde_json() {
        let text = r#"{"b":[1,-2,3.5,{"z":true,"a":null}],"a":{"y":"\u00e9\n","x":[]},"c":{}}"#;
        let ours = parse(text).unwrap();
        assert_eq!(ours, serde_json::from_str::<Json>(text).unwrap());
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(&serde_json::from_str::<Json>(text).unwrap()).unwrap()
        );
        assert!(parse(r#"{"a":1,"a":2}"#).is_err());
        assert_eq!(parse_strict(r#"{"a":[1]}"#), Some(serde_json::json!({"a": [1]})));
        assert_eq!(parse_strict("1.5"), None);
        assert_eq!(parse_strict("18446744073709551615"), None);
        assert!(parse("[1] x").is_err());
    }

    #[test]
    fn a_repeated_key_is_refused() {
        assert!(map(vec![("a".into(), Json::Null), ("a".into(), Json::Null)]).is_none());
        assert!(map(vec![("a".into(), Json::Null), ("b".into(), Json::Null)]).is_some());
    }
}
