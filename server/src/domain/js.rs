//! JavaScript's string conversion of JSON values (`${value}`), which Medusa's validation messages embed:
//! `Expected type: 'string' for field 'phone', got: '5'`.

use serde_json::Value;

/// `String(value)` as JavaScript computes it for a value parsed from JSON.
pub fn to_js_string(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_js_string(n),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                // Array.prototype.join writes null (and undefined) as the empty string.
                Value::Null => String::new(),
                other => to_js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

fn number_to_js_string(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return format_f64(u as f64);
    }
    format_f64(n.as_f64().unwrap_or(f64::NAN))
}

fn format_f64(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    if f.fract() == 0.0 && f.abs() < 1e21 {
        return format!("{f:.0}");
    }
    let abs = f.abs();
    if (1e-7..1e21).contains(&abs) {
        return f.to_string();
    }
    // JavaScript's exponent form: 1e+21, 1.5e-7.
    let formatted = format!("{f:e}");
    match formatted.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => {
            format!("{mantissa}e+{exponent}")
        }
        _ => formatted,
    }
}

#[cfg(test)]
mod tests {
    use super::to_js_string;
    use serde_json::json;

    #[test]
    fn converts_values_as_javascript_does() {
        assert_eq!(to_js_string(&json!(5)), "5");
        assert_eq!(to_js_string(&json!(1.5)), "1.5");
        assert_eq!(to_js_string(&json!(5.0)), "5");
        assert_eq!(to_js_string(&json!(1e21)), "1e+21");
        assert_eq!(to_js_string(&json!(true)), "true");
        assert_eq!(to_js_string(&json!({"a": 1})), "[object Object]");
        assert_eq!(to_js_string(&json!([1, null, "x", [2, 3]])), "1,,x,2,3");
        assert_eq!(to_js_string(&json!([])), "");
    }
}
