//! Clerk's API keys. The private key is wrapped so that it cannot be printed by accident: its
//! `Debug` and `Display` show `***`, and [`Keys::redact`] scrubs it out of any text that might
//! echo it (an error from the network stack, a message from the server).

use std::fmt;

/// The private API key. Read it with [`Secret::expose`] only to put it on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The key in clear, to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A store's public key and (for pushing) its private key.
#[derive(Clone, Debug)]
pub struct Keys {
    /// The public key (`key` in Clerk's API); it names the store.
    pub public: String,
    /// The private key (`private_key`); none when only serving.
    pub private: Option<Secret>,
}

/// The environment variable the public key is read from unless told otherwise.
pub const PUBLIC_KEY_ENV: &str = "CLERK_PUBLIC_KEY";
/// The environment variable the private key is read from unless told otherwise.
pub const PRIVATE_KEY_ENV: &str = "CLERK_PRIVATE_KEY";

impl Keys {
    /// Reads the keys from the environment. `need_private`: fail when the private key is missing.
    pub fn from_env(
        public_env: &str,
        private_env: &str,
        need_private: bool,
    ) -> Result<Keys, String> {
        let public = match std::env::var(public_env) {
            Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
            _ => {
                return Err(format!(
                    "no Clerk public key: set the environment variable {public_env} (Clerk's my.clerk.io > Settings > API keys)"
                ));
            }
        };
        let private = match std::env::var(private_env) {
            Ok(v) if !v.trim().is_empty() => Some(Secret::new(v.trim())),
            _ if need_private => {
                return Err(format!(
                    "no Clerk private key: set the environment variable {private_env} (never put it in a file or on the command line)"
                ));
            }
            _ => None,
        };
        Ok(Keys { public, private })
    }

    /// `text` with every occurrence of the private key replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        match &self.private {
            Some(p) if !p.0.is_empty() => text.replace(p.expose(), "***"),
            _ => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_private_key_never_prints() {
        let k = Keys {
            public: "pub".into(),
            private: Some(Secret::new("s3cr3t")),
        };
        assert!(!format!("{k:?}").contains("s3cr3t"));
        assert_eq!(
            k.redact("url?private_key=s3cr3t&x=1"),
            "url?private_key=***&x=1"
        );
    }
}
