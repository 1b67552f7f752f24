//! Extractors that declare the contract's request shapes in the spec but never reject a request themselves:
//! Medusa checks the body, the publishable key, the credentials and the query in its own order and with its own
//! messages, so they hand raw values to `app`, which decides.

use std::marker::PhantomData;

use poem::{Request, RequestBody, Result, http::header};
use poem_openapi::{
    ApiExtractor, ApiExtractorType, ExtractParamOptions,
    registry::{
        MetaMediaType, MetaParamIn, MetaRequest, MetaSchema, MetaSchemaRef, MetaSecurityScheme,
        Registry,
    },
    types::Type,
};
use serde_json::Value;

use super::{body, session_cookie::SessionCookies};
use crate::{app::Credentials, domain::Error};

/// A JSON request body declared with schema `T`, parsed as Express's body parser does (no body at all reads as
/// `{}`); `REQUIRED` is whether the contract declares it required.
pub struct JsonBody<T, const REQUIRED: bool = true> {
    pub value: Result<Value, Error>,
    schema: PhantomData<T>,
}

/// A body Medusa also takes when none is sent (the profile and address updates): it reads as `{}`.
pub type OptionalJsonBody<T> = JsonBody<T, false>;

impl<'a, T: Type, const REQUIRED: bool> ApiExtractor<'a> for JsonBody<T, REQUIRED> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::RequestObject];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<MetaRequest> {
        Some(MetaRequest {
            description: None,
            content: vec![MetaMediaType {
                content_type: "application/json",
                schema: T::schema_ref(),
            }],
            required: REQUIRED,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _: ExtractParamOptions<()>,
    ) -> Result<Self> {
        let value = body::read_json(request, body.take()?).await;
        Ok(Self {
            value,
            schema: PhantomData,
        })
    }
}

/// A header declared as a required string; its absence is for `app` to judge.
pub struct RawHeader(pub Option<String>);

impl<'a> ApiExtractor<'a> for RawHeader {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    const PARAM_IS_REQUIRED: bool = true;
    type ParamType = String;
    type ParamRawType = ();

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Header)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(String::schema_ref())
    }

    async fn from_request(
        request: &'a Request,
        _: &mut RequestBody,
        options: ExtractParamOptions<String>,
    ) -> Result<Self> {
        let value = request
            .headers()
            .get(options.name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Self(value))
    }
}

/// The optional `fields` query parameter; carries the whole decoded query, which `app` validates strictly.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<'a> ApiExtractor<'a> for QueryPairs {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    type ParamType = String;
    type ParamRawType = ();

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Query)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(String::schema_ref())
    }

    async fn from_request(
        request: &'a Request,
        _: &mut RequestBody,
        _: ExtractParamOptions<String>,
    ) -> Result<Self> {
        let query = request.uri().query().unwrap_or_default();
        Ok(Self(
            form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        ))
    }
}

/// The schema a declared query parameter has in the contract.
pub trait QueryKind: Send + Sync + 'static {
    fn schema() -> MetaSchema;
}

/// Text; an empty value is refused as an unknown parameter would be (`locale`).
pub struct NonEmptyText;
impl QueryKind for NonEmptyText {
    fn schema() -> MetaSchema {
        MetaSchema {
            min_length: Some(1),
            ..MetaSchema::new("string")
        }
    }
}

/// Any text.
pub struct Text;
impl QueryKind for Text {
    fn schema() -> MetaSchema {
        MetaSchema::new("string")
    }
}

/// A count (`limit`, `offset`): text that starts with digits, read as JavaScript's `parseInt` reads it.
pub struct Count;
impl QueryKind for Count {
    fn schema() -> MetaSchema {
        MetaSchema {
            pattern: Some(r"^\s*\+?[0-9]".into()),
            ..MetaSchema::new("string")
        }
    }
}

/// A field of an address to order by, descending with a leading `-` (Medusa refuses any other with 400).
pub struct OrderField;
impl QueryKind for OrderField {
    fn schema() -> MetaSchema {
        MetaSchema {
            pattern: Some(crate::domain::order_pattern()),
            ..MetaSchema::new("string")
        }
    }
}

/// `true` or `false`.
pub struct Flag;
impl QueryKind for Flag {
    fn schema() -> MetaSchema {
        MetaSchema::new("boolean")
    }
}

/// An optional query parameter the contract declares and the server reads with the others (`QueryPairs`), where
/// the domain validates it with Medusa's messages.
pub struct DeclaredQuery<K: QueryKind = NonEmptyText>(PhantomData<K>);

impl<'a, K: QueryKind> ApiExtractor<'a> for DeclaredQuery<K> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::Parameter];
    type ParamType = String;
    type ParamRawType = ();

    fn param_in() -> Option<MetaParamIn> {
        Some(MetaParamIn::Query)
    }

    fn param_schema_ref() -> Option<MetaSchemaRef> {
        Some(MetaSchemaRef::Inline(Box::new(K::schema())))
    }

    async fn from_request(
        _: &'a Request,
        _: &mut RequestBody,
        _: ExtractParamOptions<String>,
    ) -> Result<Self> {
        Ok(Self(PhantomData))
    }
}

/// Which of the contract's security schemes an operation accepts.
pub trait Schemes: Send + Sync + 'static {
    const NAMES: &'static [&'static str];
}

pub struct SessionOrBearer;
impl Schemes for SessionOrBearer {
    const NAMES: &'static [&'static str] = &["cookie_auth", "jwt_token"];
}

pub struct BearerOnly;
impl Schemes for BearerOnly {
    const NAMES: &'static [&'static str] = &["jwt_token"];
}

pub struct SessionOnly;
impl Schemes for SessionOnly {
    const NAMES: &'static [&'static str] = &["cookie_auth"];
}

/// The credentials of a request, limited to the schemes `S` names.
pub struct Auth<S> {
    pub credentials: Credentials,
    schemes: PhantomData<S>,
}

impl<'a, S: Schemes> ApiExtractor<'a> for Auth<S> {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            "jwt_token",
            MetaSecurityScheme {
                ty: "http",
                description: Some("A token from the register, login or refresh routes."),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("JWT"),
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            "cookie_auth",
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some("The session cookie set by `POST /auth/session`."),
                name: Some("connect.sid"),
                key_in: Some("cookie"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        S::NAMES.to_vec()
    }

    async fn from_request(
        request: &'a Request,
        _: &mut RequestBody,
        _: ExtractParamOptions<()>,
    ) -> Result<Self> {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        let session_id = match (
            S::NAMES.contains(&"cookie_auth"),
            request.data::<SessionCookies>(),
        ) {
            (true, Some(cookies)) => header(header::COOKIE).and_then(|c| cookies.session_id(c)),
            _ => None,
        };
        let authorization = if S::NAMES.contains(&"jwt_token") {
            header(header::AUTHORIZATION).map(str::to_owned)
        } else {
            None
        };
        Ok(Self {
            credentials: Credentials {
                session_id,
                authorization,
            },
            schemes: PhantomData,
        })
    }
}
