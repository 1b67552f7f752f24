//! What only an administrator does, through the CLI (`keys`, `customers`) or at the first start: publishable keys,
//! guest customers, and deleting what a sign-up created. No route reaches these.

use chrono::Utc;
use rand::RngCore;

use super::{App, new_customer, now_in_millis};
use crate::domain::{Customer, Error, new_id};
use crate::store::{DeletedSignUp, PublishableKey, StoreError};

impl App {
    /// Creates a publishable key (`keys create`, and the first start on an empty database).
    pub async fn create_publishable_key(&self, title: &str) -> Result<PublishableKey, Error> {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let key = PublishableKey {
            id: new_id("apk"),
            token: format!("pk_{}", hex::encode(secret)),
            title: title.to_owned(),
            created_at: now_in_millis(),
            revoked_at: None,
        };
        self.store.insert_publishable_key(&key).await?;
        Ok(key)
    }

    /// Every publishable key, revoked or not (`keys list`).
    pub async fn publishable_keys(&self) -> Result<Vec<PublishableKey>, StoreError> {
        self.store.publishable_keys().await
    }

    /// Revokes the key with this id or token as of now (`keys revoke`); `None` if there is none.
    pub async fn revoke_publishable_key(
        &self,
        id_or_token: &str,
    ) -> Result<Option<PublishableKey>, StoreError> {
        self.store
            .revoke_publishable_key(id_or_token, Utc::now())
            .await
    }

    /// Creates a customer without an account, as Medusa's admin API does (`customers create-guest`).
    pub async fn create_guest_customer(&self, email: &str) -> Result<Option<Customer>, Error> {
        let customer = new_customer(email.to_owned(), false);
        Ok(self
            .store
            .insert_guest_customer(&customer)
            .await?
            .then_some(customer))
    }

    /// Deletes the identity and the customers of an email (`customers delete`).
    pub async fn delete_sign_up(&self, email: &str) -> Result<DeletedSignUp, StoreError> {
        self.store.delete_sign_up(email).await
    }
}
