//! The logged-in customer's address book.

use poem_openapi::{OpenApi, param::Path};

use super::{
    ApiTags,
    error::{AccountBodyErrors, AccountErrors},
    extract::{
        Auth, Count, DeclaredQuery, Flag, OptionalJsonBody, OrderField, QueryPairs, RawHeader,
        SessionOrBearer, Text,
    },
    response::Reply,
    schemas::{
        StoreCreateCustomerAddress, StoreCustomerAddressDeleteResponse,
        StoreCustomerAddressListResponse, StoreCustomerAddressResponse, StoreCustomerResponse,
    },
};
use crate::app::App;

pub struct AddressesApi {
    pub app: std::sync::Arc<App>,
}

#[OpenApi(tag = "ApiTags::Addresses")]
impl AddressesApi {
    /// List the logged-in customer's addresses
    ///
    /// The customer's addresses, `limit` at a time from `offset` (50 from 0 by default), in `order` (by `id` by
    /// default). `q` matches any text field of the address, ignoring letter case; `city`, `country_code` and
    /// `postal_code` match exactly (repeat one to match any of its values).
    #[allow(clippy::too_many_arguments)]
    #[oai(
        path = "/store/customers/me/addresses",
        method = "get",
        operation_id = "listAddresses"
    )]
    async fn list(
        &self,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        #[oai(name = "limit")] _limit: DeclaredQuery<Count>,
        #[oai(name = "offset")] _offset: DeclaredQuery<Count>,
        #[oai(name = "order")] _order: DeclaredQuery<OrderField>,
        #[oai(name = "q")] _q: DeclaredQuery<Text>,
        #[oai(name = "city")] _city: DeclaredQuery<Text>,
        #[oai(name = "country_code")] _country_code: DeclaredQuery<Text>,
        #[oai(name = "postal_code")] _postal_code: DeclaredQuery<Text>,
        #[oai(name = "with_deleted")] _with_deleted: DeclaredQuery<Flag>,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerAddressListResponse, AccountErrors> {
        self.app
            .list_addresses(key.0.as_deref(), &auth.credentials, &query.0)
            .await
            .into()
    }

    /// Add an address to the logged-in customer
    ///
    /// Adds the address and answers with the customer (the `fields` select the customer's). Setting
    /// `is_default_shipping` or `is_default_billing` takes that flag from the customer's other addresses.
    #[oai(
        path = "/store/customers/me/addresses",
        method = "post",
        operation_id = "createAddress"
    )]
    async fn create(
        &self,
        body: OptionalJsonBody<StoreCreateCustomerAddress>,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerResponse, AccountBodyErrors> {
        let body = body.value;
        async {
            let body = body?;
            self.app
                .create_address(key.0.as_deref(), &auth.credentials, &body, &query.0)
                .await
        }
        .await
        .into()
    }

    /// Read one of the logged-in customer's addresses
    ///
    /// Another customer's address is answered as an address that does not exist (404).
    #[oai(
        path = "/store/customers/me/addresses/:address_id",
        method = "get",
        operation_id = "getAddress"
    )]
    async fn get(
        &self,
        address_id: Path<String>,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerAddressResponse, AccountErrors> {
        self.app
            .get_address(key.0.as_deref(), &auth.credentials, &address_id, &query.0)
            .await
            .into()
    }

    /// Update one of the logged-in customer's addresses
    ///
    /// Sets the fields sent (metadata merges as the customer's does) and answers with the customer. Setting
    /// `is_default_shipping` or `is_default_billing` takes that flag from the customer's other addresses; clearing
    /// it promotes no other address.
    #[oai(
        path = "/store/customers/me/addresses/:address_id",
        method = "post",
        operation_id = "updateAddress"
    )]
    async fn update(
        &self,
        address_id: Path<String>,
        body: OptionalJsonBody<StoreCreateCustomerAddress>,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerResponse, AccountBodyErrors> {
        let body = body.value;
        async {
            let body = body?;
            self.app
                .update_address(
                    key.0.as_deref(),
                    &auth.credentials,
                    &address_id,
                    &body,
                    &query.0,
                )
                .await
        }
        .await
        .into()
    }

    /// Delete one of the logged-in customer's addresses
    ///
    /// Deletes the address; if it was a default, no other address becomes the default. The `fields` select the
    /// `parent` customer's.
    #[oai(
        path = "/store/customers/me/addresses/:address_id",
        method = "delete",
        operation_id = "deleteAddress"
    )]
    async fn delete(
        &self,
        address_id: Path<String>,
        #[oai(name = "x-publishable-api-key")] key: RawHeader,
        #[oai(name = "fields")] query: QueryPairs,
        #[oai(name = "locale")] _locale: DeclaredQuery,
        auth: Auth<SessionOrBearer>,
    ) -> Reply<StoreCustomerAddressDeleteResponse, AccountErrors> {
        self.app
            .delete_address(key.0.as_deref(), &auth.credentials, &address_id, &query.0)
            .await
            .into()
    }
}
