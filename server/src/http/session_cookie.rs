//! The `connect.sid` cookie exactly as express-session writes it: `s:<id>.<signature>`, the signature being
//! HMAC-SHA256 of the id under `COOKIE_SECRET`, base64 without padding, the whole URI-encoded. Sessions
//! themselves live in the database, so every server process behind one database accepts them.

use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::Sha256;

use crate::app::SESSION_TTL_SECS;

pub const COOKIE_NAME: &str = "connect.sid";

/// What `encodeURIComponent` leaves alone.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

#[derive(Clone)]
pub struct SessionCookies {
    secret: String,
}

impl SessionCookies {
    pub fn new(secret: &str) -> Self {
        Self {
            secret: secret.to_owned(),
        }
    }

    fn mac(&self, id: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes())
            .expect("HMAC takes keys of any length");
        mac.update(id.as_bytes());
        mac
    }

    /// The cookie's value for a session id.
    pub fn sign(&self, id: &str) -> String {
        let signature = STANDARD_NO_PAD.encode(self.mac(id).finalize().into_bytes());
        utf8_percent_encode(&format!("s:{id}.{signature}"), URI_COMPONENT).to_string()
    }

    /// The session id of a cookie value whose signature is ours.
    pub fn unsign(&self, value: &str) -> Option<String> {
        let decoded = percent_decode_str(value).decode_utf8().ok()?;
        let (id, signature) = decoded.strip_prefix("s:")?.rsplit_once('.')?;
        let signature = STANDARD_NO_PAD.decode(signature).ok()?;
        self.mac(id).verify_slice(&signature).ok()?;
        Some(id.to_owned())
    }

    /// The session id from a `Cookie` request header, if it carries a valid `connect.sid`.
    pub fn session_id(&self, cookie_header: &str) -> Option<String> {
        cookie_header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE_NAME)
            .and_then(|(_, value)| self.unsign(value.trim_matches('"')))
    }

    /// The `Set-Cookie` value for a new session, as Medusa sets it in production.
    pub fn set_cookie(&self, id: &str, now: chrono::DateTime<chrono::Utc>) -> String {
        let expires = now + chrono::Duration::seconds(SESSION_TTL_SECS);
        format!(
            "{COOKIE_NAME}={}; Path=/; Expires={}; HttpOnly; Secure; SameSite=Lax",
            self.sign(id),
            expires.format("%a, %d %b %Y %H:%M:%S GMT")
        )
    }

    /// The `Set-Cookie` value that clears the cookie (Express's `res.clearCookie`).
    pub fn clear_cookie() -> String {
        format!("{COOKIE_NAME}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_as_express_session_does() {
        // cookie-signature's documented example: sign("hello", "tobiiscool").
        let cookies = SessionCookies::new("tobiiscool");
        assert_eq!(
            percent_decode_str(&cookies.sign("hello"))
                .decode_utf8()
                .unwrap(),
            "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI"
        );
    }

    #[test]
    fn accepts_its_own_cookies_only() {
        let cookies = SessionCookies::new("secret");
        let header = format!("a=b; {COOKIE_NAME}={}", cookies.sign("abc"));
        assert_eq!(cookies.session_id(&header).as_deref(), Some("abc"));
        assert_eq!(SessionCookies::new("other").session_id(&header), None);
        assert_eq!(cookies.session_id("connect.sid=abc"), None);
    }
}
