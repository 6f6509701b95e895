//! Trust stores and certificate chains.
