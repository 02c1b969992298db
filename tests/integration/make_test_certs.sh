#!/usr/bin/env bash
# Makes throwaway certificates for the TLS tests in DIR (made at test time,
# never kept in git):
#   ca.pem ca.key               a CA
#   server.pem server.key       127.0.0.1 (IP SAN) and localhost, signed by ca
#   client.pem client.key       a client certificate signed by ca (for mTLS)
#   ca2.pem server2.pem server2.key   a second CA and a server certificate
#                                     signed by it (for rotation)
#   other.pem other.key         only other.example, signed by ca: trusted,
#                               but for neither 127.0.0.1 nor localhost
set -euo pipefail
dir=${1:?usage: make_test_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" 2>/dev/null; }

make_ca() {  # NAME
  ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj "/CN=golo test $1" -keyout "$1.key" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
}
make_leaf() {  # NAME CA EXT
  ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=golo test $1" -keyout "$1.key" -out "$1.csr"
  printf '%s\n' "$3" >"$1.ext"
  ossl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -days 2 -extfile "$1.ext" -out "$1.pem"
  rm -f "$1.csr" "$1.ext"
}
server_ext='subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth'
make_ca ca
make_leaf server ca "$server_ext"
make_leaf client ca 'extendedKeyUsage=clientAuth'
make_ca ca2
make_leaf server2 ca2 "$server_ext"
make_leaf other ca 'subjectAltName=DNS:other.example
extendedKeyUsage=serverAuth'
chmod 600 ./*.key
