//! The customer routes.

use poem_openapi::OpenApi;

use super::{
    ApiTags,
    error::{AccountBodyErrors, AccountErrors, CreateCustomerErrors},
    extract::{
        Auth, DeclaredQuery, JsonBody, OptionalJsonBody, QueryPairs, RawHeader, SessionOrBearer,
    },
    response::Reply,
    schemas::{StoreCreateCustomer, StoreCustomerResponse, StoreUpdateCustomer},
};
use crate::app::App;

pub struct CustomersApi {
    pub app: std::sync::Arc<App>,
}

#[OpenApi(tag = "ApiTags::Customers")]
impl CustomersApi {
    /// Create the customer of a registration token
    ///
    /// Creates a customer for the auth identity of the registration token and links the two. The token's
    /// `actor_id` must be empty: a token of an existing customer is refused. Log in again or refresh the token
    /// afterwards to get a token with the customer's id.
    #[oai(
        path = "/store/customers",
        method = "post",
        operation_id = "createCustomer"
    )]
    async fn create(
        &self,
        body: JsonBody<StoreCreateCustomer>,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerResponse, CreateCustomerErrors> {
        let body = body.value;
        async {
            let body = body?;
            self.app
                .create_customer(key.0.as_deref(), &auth.credentials, &body, &query.0)
                .await
        }
        .await
        .into()
    }

    /// Read the logged-in customer
    #[oai(
        path = "/store/customers/me",
        method = "get",
        operation_id = "getCustomer"
    )]
    async fn me(
        &self,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerResponse, AccountErrors> {
        self.app
            .me(key.0.as_deref(), &auth.credentials, &query.0)
            .await
            .into()
    }

    /// Update the logged-in customer's profile
    ///
    /// Sets the fields sent, leaves the others as they are. Strings are stored as sent (`""` stays `""`, `null`
    /// is `null`). `metadata` is merged into the stored metadata key by key, one level deep: a key set to `""` is
    /// removed, a key set to `null` is kept with the value `null`, an object replaces the old value whole, and
    /// `metadata: null` clears it. The email cannot be changed here.
    #[oai(
        path = "/store/customers/me",
        method = "post",
        operation_id = "updateCustomer"
    )]
    async fn update_me(
        &self,
        body: OptionalJsonBody<StoreUpdateCustomer>,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerResponse, AccountBodyErrors> {
        let body = body.value;
        async {
            let body = body?;
            self.app
                .update_me(key.0.as_deref(), &auth.credentials, &body, &query.0)
                .await
        }
        .await
        .into()
    }
}
