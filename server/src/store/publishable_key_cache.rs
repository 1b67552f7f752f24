//! Publishable keys by token, kept in memory by each PostgreSQL server, as Medusa 2.21 caches them
//! (`ensurePublishableApiKeyMiddleware` caches the key and checks its revocation in memory). Every `/store` request
//! starts with this lookup; served from memory it costs no round trip.
//!
//! A key revoked by another process (`keys revoke`, another server) must stop working at once, so the cache is only
//! used while this server listens to the database: a trigger notifies `publishable_key_changed` on every change to
//! the table, and each notification empties the cache. While the listening connection is down (or not yet up),
//! nothing is served from the cache. Revocation time is kept with the key and checked by the caller on every use.
//! A cached key is also read again after `MAX_AGE`, in case notifications are lost on the way (a proxy in front of
//! the database that does not forward them).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sqlx::postgres::{PgConnectOptions, PgListener};

use super::PublishableKey;

/// What the trigger of migration 0003 notifies.
const CHANNEL: &str = "publishable_key_changed";

/// The longest a key is served from memory without reading it again.
const MAX_AGE: Duration = Duration::from_secs(5);

/// How long to wait before listening again after the connection was lost.
const RECONNECT_DELAY: Duration = Duration::from_millis(500);

#[derive(Default)]
pub(super) struct PublishableKeyCache {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    listening: bool,
    /// Bumped by every change: a lookup that read the database before a change must not cache what it read.
    generation: u64,
    /// With the time each was read.
    keys: HashMap<String, (PublishableKey, Instant)>,
}

/// Proof of when a lookup started, for caching what it reads.
pub(super) struct Lookup(u64);

impl PublishableKeyCache {
    /// The cached key, or the `Lookup` to cache what the database says (`None` when caching is off).
    pub fn get(&self, token: &str) -> Result<PublishableKey, Option<Lookup>> {
        let state = self.state();
        if !state.listening {
            return Err(None);
        }
        match state.keys.get(token) {
            Some((key, read_at)) if read_at.elapsed() < MAX_AGE => Ok(key.clone()),
            _ => Err(Some(Lookup(state.generation))),
        }
    }

    /// Caches a key read by `lookup`, unless the table changed since it started.
    pub fn put(&self, lookup: Lookup, key: &PublishableKey) {
        let mut state = self.state();
        if state.listening && state.generation == lookup.0 {
            state
                .keys
                .insert(key.token.clone(), (key.clone(), Instant::now()));
        }
    }

    /// Forgets every key (the table changed).
    pub fn clear(&self) {
        let mut state = self.state();
        state.generation += 1;
        state.keys.clear();
    }

    fn set_listening(&self, listening: bool) {
        self.clear();
        self.state().listening = listening;
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Listens for changes until the task is aborted, reconnecting whenever the connection is lost.
    pub async fn listen(self: Arc<Self>, options: PgConnectOptions) {
        loop {
            if let Err(error) = self.listen_once(&options).await {
                tracing::warn!(%error, "not listening for publishable key changes; looking keys up every time");
            }
            self.set_listening(false);
            tokio::time::sleep(RECONNECT_DELAY).await;
        }
    }

    async fn listen_once(&self, options: &PgConnectOptions) -> Result<(), sqlx::Error> {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(options.clone());
        let mut listener = PgListener::connect_with(&pool).await?;
        // Left to itself, the listener would reconnect before telling us the connection was lost, and we would
        // serve from the cache while it does.
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        self.set_listening(true);
        // `None`: the connection was lost.
        while listener.try_recv().await?.is_some() {
            self.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PublishableKey {
        PublishableKey {
            id: "apk_1".into(),
            token: "pk_1".into(),
            title: "t".into(),
            created_at: chrono::Utc::now(),
            revoked_at: None,
        }
    }

    #[test]
    fn nothing_is_cached_until_listening_nor_what_was_read_before_a_change() {
        let cache = PublishableKeyCache::default();
        assert!(matches!(cache.get("pk_1"), Err(None)));
        cache.set_listening(true);
        let Err(Some(before_change)) = cache.get("pk_1") else {
            panic!("a miss while listening")
        };
        cache.clear();
        cache.put(before_change, &key());
        assert!(cache.get("pk_1").is_err(), "read before the change");
        let Err(Some(after_change)) = cache.get("pk_1") else {
            panic!("a miss")
        };
        cache.put(after_change, &key());
        assert_eq!(
            cache.get("pk_1").map(|key| key.id).ok().as_deref(),
            Some("apk_1")
        );
        cache.set_listening(false);
        assert!(matches!(cache.get("pk_1"), Err(None)));
    }
}
