//! Regenerates the example OCI layout, signing with the bundled test PKI:
//! `cargo run -p ratify --example gen-testdata -- testdata/layout testdata/pki`
//! (the PKI itself comes from `scripts/gen-test-pki.sh`).

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/layout".into());
    let pki = std::env::args()
        .nth(2)
        .unwrap_or_else(|| "testdata/pki".into());
    fixtures::generate(std::path::Path::new(&dir), std::path::Path::new(&pki))?;
    println!("wrote {dir}");
    Ok(())
}
