//! Express's route matching, which Medusa keeps at its defaults: letter case is ignored and one trailing slash is
//! optional (`/Store/Customers/Me/` is `/store/customers/me`), while an empty segment (`//`) matches no route.

use poem::{Request, http::Uri};

/// Rewrites the request's path to the form our routes are declared in, when Express would match it to one.
pub fn route_request(mut request: Request) -> Request {
    let Some(path) = route_path(request.uri().path()) else {
        return request;
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(path_and_query) = path_and_query.parse() {
        parts.path_and_query = Some(path_and_query);
        if let Ok(uri) = Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// The path as our routes spell it, or `None` when it already is.
fn route_path(path: &str) -> Option<String> {
    let trimmed = match path.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => path,
    };
    let mut segments: Vec<String> = trimmed.split('/').map(str::to_owned).collect();
    let parameters = parameter_segments(&segments);
    for (index, segment) in segments.iter_mut().enumerate() {
        if !parameters.contains(&index) {
            segment.make_ascii_lowercase();
        }
    }
    let routed = segments.join("/");
    (routed != path).then_some(routed)
}

/// The segments that are route parameters in Medusa, and so keep their case: the actor type and provider of
/// `/auth/{actor_type}/{auth_provider}[/…]` (`/auth/Customer/emailpass` is another actor type, ERRATA D4), and the
/// address id of `/store/customers/me/addresses/{address_id}`.
fn parameter_segments(segments: &[String]) -> &'static [usize] {
    let is = |index: usize, word: &str| {
        segments
            .get(index)
            .is_some_and(|s| s.eq_ignore_ascii_case(word))
    };
    if is(1, "auth") && segments.len() >= 4 && !is(2, "token") && !is(2, "session") {
        &[2, 3]
    } else if segments.len() == 6
        && ["store", "customers", "me", "addresses"]
            .iter()
            .enumerate()
            .all(|(index, word)| is(index + 1, word))
    {
        &[5]
    } else {
        &[]
    }
}

/// Whether Medusa's `/store` middlewares (publishable key, CORS) apply to the path: they match its prefix, ignoring
/// letter case.
pub fn is_store_path(path: &str) -> bool {
    path.get(..6)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("/store"))
}

#[cfg(test)]
mod tests {
    use super::route_path;

    #[test]
    fn letter_case_and_one_trailing_slash_are_ignored() {
        assert_eq!(
            route_path("/Store/Customers/ME/").as_deref(),
            Some("/store/customers/me")
        );
        assert_eq!(
            route_path("/AUTH/TOKEN/REFRESH").as_deref(),
            Some("/auth/token/refresh")
        );
        assert_eq!(
            route_path("/Auth/Session").as_deref(),
            Some("/auth/session")
        );
        assert_eq!(route_path("/store/customers"), None);
    }

    #[test]
    fn the_auth_actor_type_and_provider_keep_their_case() {
        assert_eq!(
            route_path("/AUTH/Customer/EmailPass/REGISTER").as_deref(),
            Some("/auth/Customer/EmailPass/register")
        );
        assert_eq!(route_path("/auth/customer/emailpass"), None);
    }

    #[test]
    fn an_address_id_keeps_its_case() {
        assert_eq!(
            route_path("/Store/Customers/Me/Addresses/cuaddr_01ABC/").as_deref(),
            Some("/store/customers/me/addresses/cuaddr_01ABC")
        );
        assert_eq!(
            route_path("/store/customers/me/addresses/cuaddr_01ABC"),
            None
        );
    }

    #[test]
    fn empty_segments_stay_and_match_no_route() {
        assert_eq!(
            route_path("/store/customers/me//").as_deref(),
            Some("/store/customers/me/")
        );
        assert_eq!(route_path("/store//customers/me"), None);
        assert_eq!(route_path("//store/customers"), None);
        assert_eq!(route_path("/"), None);
    }
}
