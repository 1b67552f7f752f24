//! The customer routes.

use poem_openapi::OpenApi;

use super::{
    ApiTags,
    error::{CreateCustomerErrors, GetCustomerErrors},
    extract::{Auth, DeclaredQuery, JsonBody, QueryPairs, RawHeader, SessionOrBearer},
    response::Reply,
    schemas::{StoreCreateCustomer, StoreCustomerResponse},
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
    ) -> Reply<StoreCustomerResponse, GetCustomerErrors> {
        self.app
            .me(key.0.as_deref(), &auth.credentials, &query.0)
            .await
            .into()
    }
}
