//! [`Scope`]: whose keys an operation uses (a tenant and a region).

/// A tenant and a region: whose keys an operation uses.
///
/// ```
/// use piiguard::keys::Scope;
/// let scope = Scope::new().tenant("acme").region("eu");
/// assert_eq!(scope.tenant_id(), "acme");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    tenant: String,
    region: Option<String>,
}

impl Scope {
    /// No tenant, the keyring's default region.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tenant (customer) whose data this is: envelopes of one tenant never open for another.
    pub fn tenant(mut self, tenant: &str) -> Self {
        tenant.clone_into(&mut self.tenant);
        self
    }

    /// The region the data belongs to: it is encrypted under that region's keys.
    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self
    }

    /// The tenant id (empty for none).
    pub fn tenant_id(&self) -> &str {
        &self.tenant
    }

    /// The region, if one was chosen (else the keyring's default applies).
    pub fn region_id(&self) -> Option<&str> {
        self.region.as_deref()
    }
}
