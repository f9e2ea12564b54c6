//! The migrations are embedded at compile time (`sqlx::migrate!`): a new
//! file in `migrations/` must rebuild the binary, though no Rust changed.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
