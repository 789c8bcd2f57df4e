//! Signature profiles and token types: values, not global switches.

use crate::crypto::{DigestAlgorithm, SignatureAlgorithm};

use super::{PKIPATH_TOKEN, X509V3_TOKEN};

/// The algorithms a signature uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureProfile {
    signature: SignatureAlgorithm,
    digest: DigestAlgorithm,
}

impl SignatureProfile {
    /// **Legacy.** The DHO profile: RSA-SHA1 signatures over SHA-1 digests.
    ///
    /// SHA-1 is broken for collision resistance; this profile exists because the
    /// DHO and MAGDA gateways mandate it. Use it only to talk to them, and prefer
    /// [`SignatureProfile::rsa_sha256`] wherever the peer accepts it.
    pub const fn dho_legacy_rsa_sha1() -> Self {
        SignatureProfile { signature: SignatureAlgorithm::RsaSha1, digest: DigestAlgorithm::Sha1 }
    }

    /// RSA-SHA256 signatures over SHA-256 digests.
    pub const fn rsa_sha256() -> Self {
        SignatureProfile { signature: SignatureAlgorithm::RsaSha256, digest: DigestAlgorithm::Sha256 }
    }

    /// The signature algorithm.
    pub fn signature(&self) -> SignatureAlgorithm {
        self.signature
    }

    /// The digest algorithm of every Reference.
    pub fn digest(&self) -> DigestAlgorithm {
        self.digest
    }

    /// Short name: `dho` (legacy SHA-1) or `sha256`.
    pub fn name(&self) -> &'static str {
        match self.signature {
            SignatureAlgorithm::RsaSha1 => "dho",
            _ => "sha256",
        }
    }
}

/// How the signer's certificate travels in the BinarySecurityToken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenType {
    /// The signing certificate alone (the default).
    #[default]
    X509v3,
    /// The certificate chain as a PkiPath, as the MAGDA reference connector sends it.
    PkiPath,
}

impl TokenType {
    /// The `ValueType` URI.
    pub fn value_type(&self) -> &'static str {
        match self {
            TokenType::X509v3 => X509V3_TOKEN,
            TokenType::PkiPath => PKIPATH_TOKEN,
        }
    }

    /// The token type for a `ValueType` URI.
    pub fn from_value_type(uri: &str) -> Option<Self> {
        match uri {
            X509V3_TOKEN => Some(TokenType::X509v3),
            PKIPATH_TOKEN => Some(TokenType::PkiPath),
            _ => None,
        }
    }
}
