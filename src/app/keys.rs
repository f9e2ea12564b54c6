//! The data key and the secrets derived from it: status links, one-time
//! tokens, and (later) the encryption of stored documents.

use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::app::store::{self, Store};

const KEY_FILE: &str = "madoguchi.key";
const CHECK_SETTING: &str = "data_key_check";

pub struct Keys {
    key: [u8; 32],
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("MADOGUCHI_DATA_KEY must be 32 bytes in base64 (for example the output of `openssl rand -base64 32`)")]
    BadKey,
    #[error("MADOGUCHI_DATA_KEY is required with PostgreSQL (32 bytes, base64); several instances must share it")]
    Missing,
    #[error("the data key does not match the one this database was created with; refusing to start")]
    WrongKey,
    #[error("key file {0}: {1}")]
    File(String, std::io::Error),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

impl Keys {
    pub fn from_bytes(key: [u8; 32]) -> Keys {
        Keys { key }
    }

    pub fn parse(b64: &str) -> Result<Keys, KeyError> {
        let bytes = STANDARD.decode(b64.trim()).map_err(|_| KeyError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::BadKey)?;
        Ok(Keys { key })
    }

    /// The key from the environment, or (SQLite only) from a key file in the
    /// data dir, created with mode 0600 on first run.
    pub fn load(env_key: Option<&str>, data_dir: &Path, postgres: bool) -> Result<Keys, KeyError> {
        if let Some(k) = env_key.filter(|k| !k.trim().is_empty()) {
            return Keys::parse(k);
        }
        if postgres {
            return Err(KeyError::Missing);
        }
        let path = data_dir.join(KEY_FILE);
        let file_err = |e| KeyError::File(path.display().to_string(), e);
        match std::fs::read_to_string(&path) {
            Ok(s) => Keys::parse(&s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                let mut f = opts.open(&path).map_err(file_err)?;
                f.write_all(STANDARD.encode(key).as_bytes()).map_err(file_err)?;
                Ok(Keys { key })
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// Refuses a key other than the one the database was first used with.
    pub async fn check(&self, store: &Store) -> Result<(), KeyError> {
        let check = self.mac(b"madoguchi key check v1");
        match store::setting(store, CHECK_SETTING).await? {
            Some(stored) if eq(&stored, &check) => Ok(()),
            Some(_) => Err(KeyError::WrongKey),
            None => {
                store::seed_setting(store, CHECK_SETTING, &check).await?;
                Ok(())
            }
        }
    }

    fn mac(&self, msg: &[u8]) -> String {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        m.update(msg);
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    }

    /// The key that encrypts stored documents, separate from the others.
    pub fn document_key(&self) -> [u8; 32] {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return [0; 32];
        };
        m.update(b"madoguchi documents v1");
        m.finalize().into_bytes().into()
    }

    /// The status-link token of a case: derived from its random nonce, so it
    /// can be put in every e-mail while the database keeps only its hash.
    pub fn status_token(&self, nonce: &str) -> String {
        self.mac(format!("status-link v1 {nonce}").as_bytes())
    }
}

/// A fresh random secret of 256 bits, URL-safe.
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// How secrets are stored: SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    crate::app::store::cases::hex(&Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in constant time.
pub fn eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_tokens_depend_on_key_and_nonce_and_carry_256_bits() {
        let a = Keys::from_bytes([1; 32]);
        let b = Keys::from_bytes([2; 32]);
        assert_eq!(a.status_token("n1"), a.status_token("n1"));
        assert_ne!(a.status_token("n1"), a.status_token("n2"));
        assert_ne!(a.status_token("n1"), b.status_token("n1"));
        assert_eq!(a.status_token("n1").len(), 43);
    }

    #[test]
    fn a_short_or_garbled_key_is_refused() {
        assert!(matches!(Keys::parse("c2hvcnQ="), Err(KeyError::BadKey)));
        assert!(matches!(Keys::parse("***"), Err(KeyError::BadKey)));
        assert!(Keys::parse(&STANDARD.encode([7u8; 32])).is_ok());
    }
}
