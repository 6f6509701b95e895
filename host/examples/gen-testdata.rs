//! Regenerates the example OCI layout: `cargo run -p ratify --example gen-testdata -- testdata/layout`.

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/layout".into());
    fixtures::generate(std::path::Path::new(&dir))?;
    println!("wrote {dir}");
    Ok(())
}
