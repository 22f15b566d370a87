//! The chart's values: each environment's full values, split into `values.yaml` (what every
//! environment shares) and `values-<env>.yaml` (only what differs from it). Helm merges maps and
//! replaces lists, so the split goes down through maps and stops at anything else.

use serde_json::{Map, Value as Json};

/// The part of `all` that every environment has, equal.
pub(crate) fn common(all: &[Json]) -> Json {
    let Some((first, rest)) = all.split_first() else { return Json::Object(Map::new()) };
    let Json::Object(first_map) = first else {
        return if rest.iter().all(|v| v == first) { first.clone() } else { Json::Null };
    };
    let mut out = Map::new();
    for (key, value) in first_map {
        let others: Option<Vec<&Json>> = rest.iter().map(|v| v.get(key)).collect();
        let Some(others) = others else { continue };
        if value.is_object() && others.iter().all(|v| v.is_object()) {
            let mut group = vec![value.clone()];
            group.extend(others.into_iter().cloned());
            out.insert(key.clone(), common(&group));
        } else if others.iter().all(|v| *v == value) {
            out.insert(key.clone(), value.clone());
        }
    }
    Json::Object(out)
}

/// What `values` has that `base` does not (or has otherwise); nulls are left out, since an
/// absent key reads as null.
pub(crate) fn difference(values: &Json, base: &Json) -> Json {
    let (Json::Object(values), Json::Object(base)) = (values, base) else { return values.clone() };
    let mut out = Map::new();
    for (key, value) in values {
        match base.get(key) {
            Some(known) if known == value => {}
            Some(known @ Json::Object(_)) if value.is_object() => {
                let inner = difference(value, known);
                if inner.as_object().is_some_and(|m| !m.is_empty()) {
                    out.insert(key.clone(), inner);
                }
            }
            None if value.is_null() => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Json::Object(out)
}

/// Sets `value` at `path` (creating maps on the way).
pub(crate) fn insert(root: &mut Json, path: &[&str], value: Json) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = root;
    for key in parents {
        if !node.is_object() {
            *node = Json::Object(Map::new());
        }
        let Json::Object(map) = node else { return };
        node = map.entry(key.to_string()).or_insert_with(|| Json::Object(Map::new()));
    }
    if let Json::Object(map) = node {
        map.insert(last.to_string(), value);
    }
}

/// A values file: YAML, `{}` when empty.
pub(crate) fn yaml(values: &Json, header: &str) -> String {
    let body = match values {
        Json::Object(map) if map.is_empty() => "{}\n".to_string(),
        other => serde_saphyr::to_string(other).unwrap_or_else(|_| "{}\n".into()),
    };
    format!("{header}{body}")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{common, difference};

    #[test]
    fn shared_values_go_to_values_yaml_and_the_rest_per_environment() {
        let dev = json!({"w": {"api": {"replicas": null, "pod": {"team": "a"}, "image": "x:1"}}});
        let prod = json!({"w": {"api": {"replicas": 3, "pod": {"team": "a", "env": "prod"}, "image": "x:1"}}});
        let shared = common(&[dev.clone(), prod.clone()]);
        assert_eq!(shared, json!({"w": {"api": {"pod": {"team": "a"}, "image": "x:1"}}}));
        assert_eq!(difference(&dev, &shared), json!({}));
        assert_eq!(difference(&prod, &shared), json!({"w": {"api": {"replicas": 3, "pod": {"env": "prod"}}}}));
    }
}
