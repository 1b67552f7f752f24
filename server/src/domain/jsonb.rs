//! Medusa keeps `metadata` in PostgreSQL `jsonb`, which gives back object keys sorted shorter-first, then
//! bytewise. We store metadata in that order so that every store answers as Medusa does.

use serde_json::{Map, Value};

pub fn normalize_object(map: Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(String, Value)> =
        map.into_iter().map(|(k, v)| (k, normalize(v))).collect();
    entries.sort_by(|(a, _), (b, _)| {
        a.len()
            .cmp(&b.len())
            .then_with(|| a.as_bytes().cmp(b.as_bytes()))
    });
    entries.into_iter().collect()
}

pub fn normalize(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(normalize_object(map)),
        Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use serde_json::json;

    #[test]
    fn orders_keys_as_postgres_jsonb_does() {
        let value =
            normalize(json!({"bb": 1, "a": {"z": 1, "y": 2}, "c": [{"bbb": 1, "aa": 2}], "B": 0}));
        assert_eq!(
            value.to_string(),
            r#"{"B":0,"a":{"y":2,"z":1},"c":[{"aa":2,"bbb":1}],"bb":1}"#
        );
    }
}
