#!/usr/bin/env bash
# Regenerates the bundled test PKI in testdata/pki with openssl: a root CA and a code-signing
# leaf (P-521, so our fixture signatures are deterministic: RFC 6979 ECDSA), valid for a
# century so the committed fixtures keep verifying. The keys are test keys, public on purpose.
#
#   scripts/gen-test-pki.sh && cargo run -p ratify --example gen-testdata -- testdata/layout
#
# With a directory argument it writes a fresh PKI there instead (tests use this for an
# untrusted signer).
set -euo pipefail
out="${1:-$(cd "$(dirname "$0")/.." && pwd)/testdata/pki}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cat > root.ext <<'X'
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
X
cat > leaf.ext <<'X'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
X
openssl ecparam -name secp384r1 -genkey -noout -out root.key
openssl req -new -x509 -key root.key -sha384 -days 36500 -subj "/C=US/ST=WA/L=Seattle/O=Ratify Example/CN=Ratify Example Root" \
  -set_serial 1 -extensions v3 -config <(printf '[req]\ndistinguished_name=dn\n[dn]\n[v3]\n'; cat root.ext) -out root.crt
openssl ecparam -name secp521r1 -genkey -noout -out leaf.ec
openssl pkcs8 -topk8 -nocrypt -in leaf.ec -outform DER -out leaf.pk8
openssl req -new -key leaf.ec -subj "/C=US/ST=WA/L=Seattle/O=Ratify Example/CN=Ratify Example Signer" -out leaf.csr
openssl x509 -req -in leaf.csr -CA root.crt -CAkey root.key -sha384 -days 36500 -set_serial 2 -extfile leaf.ext -out leaf.crt
mkdir -p "$out"
cp root.crt leaf.crt leaf.pk8 "$out/"
echo "wrote $out"
