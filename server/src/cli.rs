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
            for key in app.publishable_keys().await? {
                let state = key.revoked_at.map_or("active".to_owned(), |at| {
                    format!("revoked {}", at.to_rfc3339())
                });
                writeln!(out, "{}\t{}\t{}\t{}", key.id, key.token, state, key.title)?;
            }
        }
        KeysCommand::Revoke { id_or_token } => {
            match app.revoke_publishable_key(&id_or_token).await? {
                Some(key) => writeln!(out, "{}\trevoked", key.id)?,
                None => anyhow::bail!("no publishable key has the id or token {id_or_token}"),
            }
        }
    }
    Ok(())
}

/// `customers create-guest` prints the new guest's id; `customers delete` a line per email with what it deleted.
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
        CustomersCommand::Delete {
            mut emails,
            created_by,
        } => {
            if let Some(path) = created_by {
                emails.extend(emails_created_by(&path)?);
            }
            anyhow::ensure!(
                !emails.is_empty(),
                "no email to delete: give emails or --created-by"
            );
            for email in emails {
                let deleted = app.delete_sign_up(&email).await?;
                writeln!(
                    out,
                    "{email}\t{} identity, {} customer(s) deleted",
                    deleted.identities, deleted.customers
                )?;
            }
        }
    }
    Ok(())
}

/// The emails of a conformance run's JSON report (`created[].email`).
fn emails_created_by(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let created = report["created"]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("{} has no `created` list", path.display()))?;
    Ok(created
        .iter()
        .filter_map(|c| c["email"].as_str().map(str::to_owned))
        .collect())
}
