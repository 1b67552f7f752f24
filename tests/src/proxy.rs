//! A deliberately wrong backend: a proxy in front of a real server that alters its answers in one way, so that
//! the conformance suite can be shown to notice.

use poem::{
    Body, EndpointExt, Request, Response, Route, Server, handler,
    http::{HeaderMap, StatusCode},
    listener::{Acceptor, Listener, TcpListener},
    web::Data,
};

/// The upstream's answer, open to alteration.
pub struct Answer {
    pub method: String,
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// Edits the body as JSON, keeping key order; a body that is not JSON is left alone.
    pub fn edit_json(&mut self, edit: impl FnOnce(&mut serde_json::Value)) {
        if let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            edit(&mut value);
            self.body = value.to_string().into_bytes();
        }
    }

    /// Edits the `customer` object of a body, if there is one.
    pub fn edit_customer(
        &mut self,
        edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
    ) {
        self.edit_json(|value| {
            if let Some(customer) = value
                .get_mut("customer")
                .and_then(serde_json::Value::as_object_mut)
            {
                edit(customer);
            }
        });
    }
}

pub type Alteration = fn(&mut Answer);

#[derive(Clone)]
struct Upstream {
    base_url: String,
    client: reqwest::Client,
    alter: Alteration,
}

#[handler]
async fn forward(
    request: &Request,
    body: Body,
    upstream: Data<&Upstream>,
) -> poem::Result<Response> {
    let path_and_query = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let mut outgoing = upstream
        .client
        .request(
            request.method().clone(),
            format!("{}{}", upstream.base_url, path_and_query),
        )
        .body(body.into_vec().await?);
    for (name, value) in request.headers() {
        if name != "host" && name != "content-length" {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = outgoing
        .send()
        .await
        .map_err(poem::error::InternalServerError)?;
    let mut answer = Answer {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        status: answer.status(),
        headers: answer.headers().clone(),
        body: answer
            .bytes()
            .await
            .map_err(poem::error::InternalServerError)?
            .to_vec(),
    };
    (upstream.alter)(&mut answer);
    let mut response = Response::builder().status(answer.status).body(answer.body);
    for (name, value) in &answer.headers {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().append(name, value.clone());
        }
    }
    Ok(response)
}

/// Starts a proxy to `upstream_base_url` on a free port and returns its base URL; it serves until the runtime ends.
pub async fn start_wrong_backend(upstream_base_url: &str, alter: Alteration) -> String {
    let upstream = Upstream {
        base_url: upstream_base_url.to_owned(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client"),
        alter,
    };
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("a free port");
    let address = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("a socket address");
    let app = Route::new().at("/*path", forward).data(upstream);
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    format!("http://{address}")
}
