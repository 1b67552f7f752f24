//! Text that PostgreSQL cannot store. Its `text` and `jsonb` types refuse the NUL character, so Medusa answers
//! 500 (create customer) or a 401 that leaks its SQL (register, login) when one is sent; we refuse it with a
//! clear 4xx before it reaches any store, so that SQLite and PostgreSQL answer alike.

use serde_json::Value;

pub fn has_nul(text: &str) -> bool {
    text.contains('\0')
}

/// Whether a NUL appears in any string or object key of `value`, at any depth (walked without recursion).
pub fn value_has_nul(value: &Value) -> bool {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(text) if has_nul(text) => return true,
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => {
                if map.keys().any(|key| has_nul(key)) {
                    return true;
                }
                pending.extend(map.values());
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_a_nul_in_keys_and_values_at_any_depth() {
        assert!(value_has_nul(&json!({"a": [{"b": "x\u{0}"}]})));
        assert!(value_has_nul(&json!({"a": {"\u{0}": 1}})));
        assert!(!value_has_nul(&json!({"a": ["\\u0000", 1, null]})));
    }
}
