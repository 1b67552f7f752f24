//! Medusa's published reference read as it stands: raw schemas (progenitor cannot read the document: its 401 is
//! `text/plain` beside JSON errors), and the departures of one observed exchange from what it documents.

use serde_json::{Value, json};

use super::{Departure, DepartureKind, StepRequest};
use crate::exchange::RecordedResponse;
use crate::spec::translate;

#[derive(Debug, thiserror::Error)]
pub enum PublishedSpecError {
    #[error("the published spec is neither YAML nor JSON: {0}")]
    Parse(String),
}

/// The published document, plus other published variants of some of its path items (whose query parameters
/// count as documented too).
#[derive(Clone, Debug)]
pub struct PublishedSpec {
    document: Value,
    variants: Vec<(String, Value)>,
}

impl PublishedSpec {
    pub fn parse(text: &str) -> Result<Self, PublishedSpecError> {
        let document: Value =
            serde_yaml::from_str(text).map_err(|e| PublishedSpecError::Parse(e.to_string()))?;
        Ok(PublishedSpec {
            document,
            variants: Vec::new(),
        })
    }

    /// Adds a published variant of one path item (a file of Medusa's split spec, e.g. `paths/store_customers.yaml`).
    pub fn add_variant(&mut self, path: &str, text: &str) -> Result<(), PublishedSpecError> {
        let item: Value =
            serde_yaml::from_str(text).map_err(|e| PublishedSpecError::Parse(e.to_string()))?;
        self.variants.push((path.to_owned(), item));
        Ok(())
    }

    /// The documented path (`/auth/customer/{auth_provider}/register`) of a request sent to `url` with `method`, when
    /// the document documents that operation (a literal path before a template); `base_path` is the base URL's own
    /// path, left out of the match.
    pub fn documented_path(&self, method: &str, url: &str, base_path: &str) -> Option<String> {
        let url = reqwest::Url::parse(url).ok()?;
        let path = url.path().strip_prefix(base_path)?;
        let segments: Vec<&str> = path.split('/').collect();
        let method = method.to_ascii_lowercase();
        self.document["paths"]
            .as_object()?
            .iter()
            .filter(|(_, item)| item[method.as_str()].is_object())
            .map(|(template, _)| template)
            .filter(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts.iter().zip(&segments).all(|(part, segment)| {
                        part == segment || (part.starts_with('{') && part.ends_with('}'))
                    })
            })
            .min_by_key(|template| template.matches('{').count())
            .cloned()
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self
                .document
                .pointer(pointer)
                .map_or(value, |t| self.resolve(t)),
            None => value,
        }
    }

    /// The documented query parameters of an operation, in all its variants: name and schema, once per name.
    pub fn query_parameters(&self, method: &str, path: &str) -> Vec<(String, Value)> {
        let main = self.document["paths"][path][method]["parameters"].as_array();
        let variants = self
            .variants
            .iter()
            .filter(|(p, _)| p == path)
            .filter_map(|(_, item)| item[method]["parameters"].as_array());
        let mut out: Vec<(String, Value)> = Vec::new();
        for parameter in main.into_iter().chain(variants).flatten() {
            let parameter = self.resolve(parameter);
            if parameter["in"] != "query" {
                continue;
            }
            if let Some(name) = parameter["name"].as_str()
                && !out.iter().any(|(n, _)| n == name)
            {
                out.push((name.to_owned(), parameter["schema"].clone()));
            }
        }
        out
    }

    /// The documented JSON request body schema (resolved), if any.
    pub fn request_schema(&self, method: &str, path: &str) -> Option<Value> {
        let body = self.resolve(&self.document["paths"][path][method]["requestBody"]);
        let schema = &body["content"]["application/json"]["schema"];
        (!schema.is_null()).then(|| self.resolve(schema).clone())
    }

    fn validator(&self, schema: &Value) -> Option<jsonschema::Validator> {
        let mut root = translate(schema);
        let defs: serde_json::Map<String, Value> = self.document["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, schema)| (name.clone(), translate(schema)))
            .collect();
        root.as_object_mut()?
            .insert("$defs".into(), Value::Object(defs));
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .ok()
    }

    /// Whether a request with this query and body is one the documentation allows.
    pub fn allows(&self, method: &str, path: &str, request: &StepRequest) -> bool {
        let documented = self.query_parameters(method, path);
        let query_ok = request
            .query
            .iter()
            .all(|name| documented.iter().any(|(n, _)| n == name));
        let body_ok = match (&request.body, self.request_schema(method, path)) {
            (Some(body), Some(schema)) => self.validator(&schema).is_some_and(|v| v.is_valid(body)),
            (None, Some(_)) => false,
            (_, None) => true,
        };
        query_ok && body_ok
    }

    /// The body keys the documented request schema does not list.
    pub fn undocumented_body_keys(&self, method: &str, path: &str, body: &Value) -> Vec<String> {
        let schema = self.request_schema(method, path).unwrap_or(Value::Null);
        body.as_object()
            .into_iter()
            .flatten()
            .map(|(key, _)| key.clone())
            .filter(|key| schema["properties"].get(key).is_none())
            .collect()
    }

    /// How an observed response departs from the documented responses of the operation.
    pub fn departures(
        &self,
        method: &str,
        path: &str,
        request: &StepRequest,
        response: &RecordedResponse,
    ) -> Vec<Departure> {
        let departure = |kind: DepartureKind, detail: String| Departure {
            operation: format!("{} {path}", method.to_uppercase()),
            status: response.status,
            kind,
            detail,
            request: request.clone(),
        };
        let responses = &self.document["paths"][path][method]["responses"];
        let status = response.status;
        let documented = [
            status.to_string(),
            format!("{}XX", status / 100),
            "default".into(),
        ]
        .iter()
        .find_map(|key| responses.get(key))
        .map(|r| self.resolve(r));
        let mut out = Vec::new();
        let allowed = self.allows(method, path, request);
        if allowed && (400..500).contains(&status) {
            out.push(departure(
                DepartureKind::Refused,
                format!(
                    "a request the documentation allows was refused: {status} {}",
                    response.body
                ),
            ));
        }
        let Some(documented) = documented else {
            out.push(departure(
                DepartureKind::UndocumentedStatus,
                format!("status {status} is not documented"),
            ));
            return out;
        };
        let content_type = response.header("content-type").unwrap_or("").to_owned();
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let content = documented["content"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if !content.is_empty() && !content.contains_key(&essence) {
            let types: Vec<&String> = content.keys().collect();
            out.push(departure(
                DepartureKind::ContentType,
                format!(
                    "documented as {types:?}, answered {content_type:?}: {}",
                    response.body
                ),
            ));
            return out;
        }
        let schema = &content
            .get("application/json")
            .map(|c| c["schema"].clone())
            .unwrap_or(Value::Null);
        let (Some(validator), Some(body)) = (
            (!schema.is_null())
                .then(|| self.validator(&self.resolve(schema).clone()))
                .flatten(),
            response.json(),
        ) else {
            return out;
        };
        for error in validator.iter_errors(&body) {
            let at = error.instance_path().as_str().to_owned();
            let kind = match error.kind() {
                jsonschema::error::ValidationErrorKind::Required { property } => {
                    DepartureKind::MissingRequired {
                        property: property.as_str().unwrap_or_default().to_owned(),
                    }
                }
                _ if error.instance().is_null() => DepartureKind::NullNotNullable,
                other => DepartureKind::SchemaViolation {
                    keyword: other.keyword().to_owned(),
                },
            };
            out.push(departure(kind, format!("at {at:?}: {error}")));
        }
        let deleted = body.get("id").and_then(Value::as_str);
        if method == "delete"
            && status == 200
            && let Some(deleted) = deleted.filter(|id| *id != request.last_segment)
        {
            out.push(departure(
                DepartureKind::DeletedIdNotThePathId,
                format!(
                    "the deletion answers id {deleted:?}, not the id in its path {:?}",
                    request.last_segment
                ),
            ));
        }
        let mut undocumented = Vec::new();
        undocumented_properties(
            &self.resolve(schema).clone(),
            &body,
            "",
            self,
            &mut undocumented,
        );
        for (at, property) in undocumented {
            out.push(departure(
                DepartureKind::UndocumentedProperty {
                    property: property.clone(),
                },
                format!("{at}/{property} is not documented"),
            ));
        }
        out
    }
}

/// Keys of `value` that the (resolved) object schema does not list as properties, recursively.
fn undocumented_properties(
    schema: &Value,
    value: &Value,
    at: &str,
    spec: &PublishedSpec,
    out: &mut Vec<(String, String)>,
) {
    let schema = spec.resolve(schema);
    match value {
        Value::Object(map) if schema["properties"].is_object() => {
            for (key, inner) in map {
                match schema["properties"].get(key) {
                    Some(property) => {
                        undocumented_properties(property, inner, &format!("{at}/{key}"), spec, out)
                    }
                    None if schema
                        .get("additionalProperties")
                        .is_none_or(|a| a != &json!(true)) =>
                    {
                        out.push((at.to_owned(), key.clone()));
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                undocumented_properties(
                    &schema["items"],
                    item,
                    &format!("{at}/{index}"),
                    spec,
                    out,
                );
            }
        }
        _ => {}
    }
}
