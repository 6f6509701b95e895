//! Notary Project signature envelopes: JWS JSON serialization (`application/jose+json`) and
//! COSE_Sign1 (`application/cose`).
