//! The client's address: the peer's, or, when the peer is a proxy listed in
//! `MADOGUCHI_TRUSTED_PROXIES`, the nearest address in `X-Forwarded-For`
//! that is not one of those proxies. Anyone else's `X-Forwarded-For` is
//! ignored, so a client cannot choose the address it is throttled under.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use ipnet::IpNet;

use super::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        let forwarded: Vec<&str> =
            parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        Ok(ClientAddr(client_addr(peer, &forwarded, &state.trusted_proxies)))
    }
}

/// The address to believe, given the peer, the `X-Forwarded-For` headers in
/// order, and the trusted proxies.
pub fn client_addr(peer: IpAddr, forwarded: &[&str], trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&canonical(*ip)));
    if !is_trusted(&peer) {
        return peer;
    }
    // Read from the nearest hop outwards; the first untrusted hop is the client.
    let mut client = peer;
    for hop in forwarded.iter().flat_map(|h| h.split(',')).rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage in the chain: stop at the last hop we could trust.
            return client;
        };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    hop.parse::<SocketAddr>().ok().map(|s| canonical(s.ip()))
}

/// `::ffff:1.2.3.4` is `1.2.3.4`.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(s: &[&str]) -> Vec<IpNet> {
        s.iter()
            .map(|n| {
                n.parse()
                    .unwrap_or_else(|_| IpNet::from(n.parse::<IpAddr>().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
            })
            .collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    #[test]
    fn a_forwarded_header_from_an_untrusted_peer_is_ignored() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_addr(ip("203.0.113.9"), &["198.51.100.1"], &trusted), ip("203.0.113.9"));
        assert_eq!(client_addr(ip("203.0.113.9"), &["198.51.100.1"], &[]), ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8", "192.0.2.7"]);
        // The client put a fake address first; the proxies appended the real one.
        let chain = ["1.1.1.1, 198.51.100.20", "192.0.2.7"];
        assert_eq!(client_addr(ip("10.1.2.3"), &chain, &trusted), ip("198.51.100.20"));
        assert_eq!(client_addr(ip("10.1.2.3"), &["[2001:db8::1]:443"], &trusted), ip("2001:db8::1"));
        assert_eq!(client_addr(ip("::ffff:10.1.2.3"), &["198.51.100.5"], &trusted), ip("198.51.100.5"));
    }

    #[test]
    fn a_trusted_proxy_without_a_usable_header_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_addr(ip("10.1.2.3"), &[], &trusted), ip("10.1.2.3"));
        assert_eq!(client_addr(ip("10.1.2.3"), &["not an address"], &trusted), ip("10.1.2.3"));
        assert_eq!(client_addr(ip("10.1.2.3"), &["10.9.9.9"], &trusted), ip("10.9.9.9"));
    }
}
