//! The administrative commands (`keys`, `customers`), writing their results to any writer so tests can read them.

use std::io::Write;

use crate::{
    App,
    config::{CustomersCommand, KeysCommand},
};

/// `keys create|list|revoke`. `create` prints the token as the last line.
pub async fn keys(app: &App, command: KeysCommand, out: &mut impl Write) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create { title } => {
            let key = app.create_publishable_key(&title).await?;
            writeln!(out, "{}\t{}", key.id, key.title)?;
            writeln!(out, "{}", key.token)?;
        }
        KeysCommand::List => {
            for key in app.store().publishable_keys().await? {
                let state = key.revoked_at.map_or("active".to_owned(), |at| {
                    format!("revoked {}", at.to_rfc3339())
                });
                writeln!(out, "{}\t{}\t{}\t{}", key.id, key.token, state, key.title)?;
            }
        }
        KeysCommand::Revoke { id_or_token } => {
            match app
                .store()
                .revoke_publishable_key(&id_or_token, chrono::Utc::now())
                .await?
            {
                Some(key) => writeln!(out, "{}\trevoked", key.id)?,
                None => anyhow::bail!("no publishable key has the id or token {id_or_token}"),
            }
        }
    }
    Ok(())
}

/// `customers create-guest`: prints the new guest's id.
pub async fn customers(
    app: &App,
    command: CustomersCommand,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    match command {
        CustomersCommand::CreateGuest { email } => match app.create_guest_customer(&email).await? {
            Some(customer) => writeln!(out, "{}", customer.id)?,
            None => anyhow::bail!("a guest customer with the email {email} already exists"),
        },
    }
    Ok(())
}
