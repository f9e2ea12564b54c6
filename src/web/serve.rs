//! The HTTP/1.1 server loop. `axum::serve` sets no timer, so a client that
//! sends its headers one byte a minute, or keeps a connection idle, holds it
//! forever. Here every connection must finish its request headers within the
//! header timeout (which also closes idle kept-alive connections); bodies
//! and handlers are bounded by the router's own timeouts.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::{Service, ServiceExt};

pub async fn serve(listener: TcpListener, router: Router, header_timeout: Duration) {
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    loop {
        let (stream, remote) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait, then go on.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make.call(remote).await;
        let service = TowerToHyperService::new(
            service.map_request(|req: axum::extract::Request<hyper::body::Incoming>| req.map(axum::body::Body::new)),
        );
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
            if let Err(e) = http.serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
}
