//! A small map frozen once built: its entries in key order, in one allocation of exact size.
//! For the many maps of a handful of entries a large compile holds per resource and per
//! workload (a `BTreeMap` node keeps room for eleven), looked up by binary search and listed in
//! key order, as a `BTreeMap` would list them.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde::ser::{Serialize, SerializeMap, Serializer};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SortedMap<K, V> {
    entries: Box<[(K, V)]>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: Box::default() }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub(crate) fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let index = self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key)).ok()?;
        Some(&self.entries[index].1)
    }
}

impl<K, V> SortedMap<K, V> {
    /// The entries in key order.
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (&K, &V)> + DoubleEndedIterator {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub(crate) fn keys(&self) -> impl ExactSizeIterator<Item = &K> + DoubleEndedIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    pub(crate) fn values(&self) -> impl ExactSizeIterator<Item = &V> + DoubleEndedIterator {
        self.entries.iter().map(|(_, v)| v)
    }
}

/// The value of `key`, which must be there (as indexing a `BTreeMap`).
impl<K: Ord + Borrow<Q>, Q: Ord + ?Sized, V> std::ops::Index<&Q> for SortedMap<K, V> {
    type Output = V;

    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("a key of the map")
    }
}

impl<K: Ord, V> From<BTreeMap<K, V>> for SortedMap<K, V> {
    fn from(map: BTreeMap<K, V>) -> Self {
        SortedMap { entries: map.into_iter().collect() }
    }
}

/// Of two entries with one key, the last wins (as inserting them into a map in turn).
impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        SortedMap::from(entries.into_iter().collect::<BTreeMap<K, V>>())
    }
}

impl<'a, K, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

impl<K: Serialize, V: Serialize> Serialize for SortedMap<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (k, v) in self.entries.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_finds_like_a_btree_map() {
        let map: SortedMap<String, u32> =
            [("b", 1), ("a", 2), ("c", 3), ("a", 4)].map(|(k, v)| (k.to_string(), v)).into_iter().collect();
        assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(map.get("a"), Some(&4));
        assert_eq!(map.get("d"), None);
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":4,"b":1,"c":3}"#);
    }
}
