//! The logged-in customer's address book. Another customer's address is answered as one that does not exist, as
//! Medusa answers it.

use serde_json::{Value, json};

use super::{App, Credentials};
use crate::domain::{Address, AddressQuery, AddressUpdate, Error, FieldSelection, new_id, query};

impl App {
    /// `GET /store/customers/me/addresses`.
    pub async fn list_addresses(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let query = AddressQuery::parse(query_pairs)?;
        let (page, count) = query.page(self.store.addresses(context.actor_id()).await?);
        let selection = FieldSelection::parse_address(query.fields.as_deref());
        let addresses: Vec<Value> = page.iter().map(|a| selection.render_address(a)).collect();
        Ok(json!({
            "addresses": addresses,
            "count": count,
            "offset": query.offset,
            "limit": query.limit,
        }))
    }

    /// `POST /store/customers/me/addresses`: answers with the customer.
    pub async fn create_address(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        body: &Value,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let body = AddressUpdate::from_body(body)?;
        let fields = query::select_fields(query_pairs)?;
        let customer_id = context.actor_id();
        let customer = self.existing_customer(customer_id).await?;
        let address = Address::new(
            new_id("cuaddr"),
            customer_id.to_owned(),
            &body,
            super::now_in_millis(),
        );
        self.store.insert_address(&address).await?;
        self.customer_answer(&customer, fields.as_deref()).await
    }

    /// `GET /store/customers/me/addresses/{address_id}`.
    pub async fn get_address(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        address_id: &str,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let fields = query::select_fields(query_pairs)?;
        let address = self
            .store
            .address(context.actor_id(), address_id)
            .await?
            .ok_or_else(|| address_not_found(address_id))?;
        let selection = FieldSelection::parse_address(fields.as_deref());
        Ok(json!({ "address": selection.render_address(&address) }))
    }

    /// `POST /store/customers/me/addresses/{address_id}`: answers with the customer.
    pub async fn update_address(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        address_id: &str,
        body: &Value,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let update = AddressUpdate::from_body(body)?;
        let fields = query::select_fields(query_pairs)?;
        let customer_id = context.actor_id();
        self.store
            .update_address(customer_id, address_id, &update, super::now_in_millis())
            .await?
            .ok_or_else(|| address_not_found(address_id))?;
        self.answer_with_customer(customer_id, fields.as_deref())
            .await
    }

    /// `DELETE /store/customers/me/addresses/{address_id}`: Medusa's deletion answer, whose `id` is the customer's.
    pub async fn delete_address(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        address_id: &str,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let fields = query::select_fields(query_pairs)?;
        let customer_id = context.actor_id();
        if !self.store.delete_address(customer_id, address_id).await? {
            return Err(address_not_found(address_id));
        }
        let Value::Object(mut answer) = self
            .answer_with_customer(customer_id, fields.as_deref())
            .await?
        else {
            unreachable!("a customer answer is an object");
        };
        Ok(json!({
            "id": customer_id,
            "object": "address",
            "deleted": true,
            "parent": answer.remove("customer").unwrap_or(Value::Null),
        }))
    }
}

fn address_not_found(id: &str) -> Error {
    Error::NotFound(format!("Address with id: {id} was not found"))
}
