//! The customer: creating it for a registration token, reading it back, and updating its profile.

use serde_json::{Value, json};

use super::{App, Credentials, CustomerActor, Registration};
use crate::domain::{
    AuthContext, Customer, Error, Event, FieldSelection, NewCustomer, ProfileUpdate, jsonb, query,
};
use crate::store::CreateCustomerOutcome;

impl App {
    /// `POST /store/customers`: a registration token will do (its `actor_id` must even be empty).
    pub async fn create_customer(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        body: &Value,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .customer_route(publishable_key, credentials, Registration::Allowed)
            .await?;
        let new_customer = NewCustomer::from_body(body)?;
        let fields = query::select_fields(query_pairs)?;
        if !context.actor_id().is_empty() {
            return Err(Error::invalid_data(
                "Request already authenticated as a customer.",
            ));
        }
        let email = new_customer.required_email()?.to_owned();
        let customer = Customer {
            company_name: new_customer.company_name,
            first_name: new_customer.first_name,
            last_name: new_customer.last_name,
            phone: new_customer.phone,
            metadata: new_customer.metadata.map(jsonb::normalize_object),
            ..super::new_customer(email, true)
        };
        let created = self.event(|| Event::customer_created(&customer.id, customer.created_at));
        match self
            .store
            .create_customer_for_identity(context.auth_identity_id(), &customer, created.as_ref())
            .await?
        {
            CreateCustomerOutcome::Created => {}
            CreateCustomerOutcome::EmailHasAccount => {
                return Err(Error::Duplicate(
                    "Customer with this email already has an account".into(),
                ));
            }
            CreateCustomerOutcome::IdentityMissing => {
                return Err(Error::NotFound(format!(
                    "AuthIdentity with id: {} was not found",
                    context.auth_identity_id()
                )));
            }
            CreateCustomerOutcome::IdentityLinked => {
                return Err(Error::invalid_data(
                    "The identity of this token already has a customer. Log in to get a token for it.",
                ));
            }
        }
        Ok(json!({ "customer": FieldSelection::parse(fields.as_deref()).render(&customer, &[]) }))
    }

    /// `GET /store/customers/me`: the token of an existing customer only.
    pub async fn me(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let fields = query::select_fields(query_pairs)?;
        self.answer_with_customer(context.actor_id(), fields.as_deref())
            .await
    }

    /// `POST /store/customers/me`: the profile, as [`Customer::apply`] sets it.
    pub async fn update_me(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        body: &Value,
        query_pairs: &[(String, String)],
    ) -> Result<Value, Error> {
        let context = self
            .logged_in_customer(publishable_key, credentials)
            .await?;
        let update = ProfileUpdate::from_body(body)?;
        let fields = query::select_fields(query_pairs)?;
        let id = context.actor_id();
        let now = super::now_in_millis();
        let updated = self.event(|| Event::customer_updated(id, now));
        let customer = self
            .store
            .update_customer(id, &update, now, updated.as_ref())
            .await?
            .ok_or_else(|| customer_not_found(id))?;
        self.customer_answer(&customer, fields.as_deref()).await
    }

    /// `{"customer": …}` with the selected fields, its addresses read only if they are selected.
    pub(super) async fn customer_answer(
        &self,
        customer: &Customer,
        fields: Option<&str>,
    ) -> Result<Value, Error> {
        let selection = FieldSelection::parse(fields);
        let addresses = if selection.needs_addresses() {
            self.store.addresses(&customer.id).await?
        } else {
            Vec::new()
        };
        Ok(json!({ "customer": selection.render(customer, &addresses) }))
    }

    /// `{"customer": …}` for the customer with this id, or Medusa's 404 for it.
    pub(super) async fn answer_with_customer(
        &self,
        id: &str,
        fields: Option<&str>,
    ) -> Result<Value, Error> {
        let customer = self.existing_customer(id).await?;
        self.customer_answer(&customer, fields).await
    }

    /// The logged-in customer, for the routes that act on it.
    pub(super) async fn logged_in_customer(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
    ) -> Result<AuthContext, Error> {
        self.customer_route(publishable_key, credentials, Registration::Refused)
            .await
    }

    /// How every customer route starts, in Medusa's order: the publishable key, then the customer's credentials.
    async fn customer_route(
        &self,
        publishable_key: Option<&str>,
        credentials: &Credentials,
        registration: Registration,
    ) -> Result<AuthContext, Error> {
        self.check_publishable_key(publishable_key).await?;
        self.authenticate(credentials, registration, CustomerActor)
            .await
    }

    /// The customer with this id, or Medusa's 404 for it.
    pub(super) async fn existing_customer(&self, id: &str) -> Result<Customer, Error> {
        self.store
            .customer(id)
            .await?
            .ok_or_else(|| customer_not_found(id))
    }
}

fn customer_not_found(id: &str) -> Error {
    Error::NotFound(format!("Customer with id: {id} was not found"))
}
