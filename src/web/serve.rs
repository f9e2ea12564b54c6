//! The HTTP/1.1 server loop. `axum::serve` sets no timer, so a client that
//! sends its headers one byte a minute, or keeps a connection idle, holds it
//! forever. Here every connection must finish its request headers within the
//! header timeout (which also closes idle kept-alive connections); bodies
//! and handlers are bounded by the router's own timeouts.
//!
//! When told to stop, it closes its socket (new connections are refused),
//! lets every request already read finish and be answered, closes idle
//! kept-alive connections, and returns once the last connection is done.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::{Service, ServiceExt};

pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut make = router.into_make_service_with_connect_info::<SocketAddr>();
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(header_timeout).keep_alive(true);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stopping| *stopping) => break,
        };
        let (stream, remote) = match accepted {
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
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed");
            }
        });
    }
    drop(listener);
    tracing::info!(connections = graceful.count(), "stopping: no new connections; finishing the requests under way");
    graceful.shutdown().await;
}
