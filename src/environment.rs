//! [`Environment`]: the deployment environment keys, envelopes and principals belong to.

crate::names::name_enum! {
    /// The deployment environment a keyring belongs to. Envelopes made under one environment's
    /// keys are refused under another's (personal data stays out of development).
    ///
    /// ```
    /// use piiguard::keys::Environment;
    /// assert_eq!("prod".parse::<Environment>(), Ok(Environment::Prod));
    /// assert!("production".parse::<Environment>().is_err());
    /// ```
    #[derive(Default)]
    pub enum Environment: "environment" {
        /// Development (the default of a fresh local keyring).
        #[default]
        Dev = "dev",
        /// Staging.
        Staging = "staging",
        /// Production.
        Prod = "prod",
    }
}

impl Environment {
    /// Parses `dev`, `staging` or `prod` (the same as [`from_name`](Self::from_name)).
    ///
    /// ```
    /// use piiguard::keys::Environment;
    /// assert_eq!(Environment::parse("prod"), Some(Environment::Prod));
    /// assert_eq!(Environment::parse("production"), None);
    /// ```
    pub fn parse(name: &str) -> Option<Self> {
        Self::from_name(name)
    }
}
