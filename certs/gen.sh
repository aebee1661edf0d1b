#!/usr/bin/env bash
# Makes a private CA and a serving certificate for ipguard's webhook Service, plus what the
# plain overlay (manifests/overlays/plain) applies: a kubernetes.io/tls Secret and the webhook's
# caBundle, packaged as a kustomize Component. Keys never leave the output folder, which is
# git-ignored by default (certs/out/). See docs/install.md.
set -euo pipefail
umask 077

usage() {
  cat <<'EOF'
Usage: certs/gen.sh [options]

Writes into the output folder:
  ca.crt ca.key          the CA (reused on later runs, so the caBundle stays the same)
  tls.crt tls.key        the serving certificate and its key
  caBundle               base64 of ca.crt (after --new-ca: and the CA it replaced, until the
                         next run), for the webhook's clientConfig.caBundle
  secret.yaml            Secret <secret-name> (type kubernetes.io/tls: tls.crt, tls.key, ca.crt)
  cabundle-patch.yaml    JSON patch that sets the caBundle of ValidatingWebhookConfiguration ipguard
  kustomization.yaml     a kustomize Component of the two, used by manifests/overlays/plain

Options (environment variable in brackets):
  -n, --namespace NS     the Service's namespace [IPGUARD_NAMESPACE] (default: ipguard)
  -s, --service NAME     the Service's name [IPGUARD_SERVICE] (default: ipguard)
  -o, --out DIR          output folder [IPGUARD_CERTS_OUT] (default: certs/out beside this script)
      --days N           serving certificate lifetime, 1 to 825 days [IPGUARD_CERT_DAYS] (default: 365)
      --ca-days N        CA lifetime when a new CA is made [IPGUARD_CA_DAYS] (default: 1825)
      --secret-name NAME the Secret's name [IPGUARD_TLS_SECRET] (default: ipguard-tls)
      --local            also name localhost and 127.0.0.1, to run `ipguard serve` on this machine
      --new-ca           make a new CA even if the folder has one (the caBundle changes; it
                         trusts the old CA too until the next run: apply, wait for the
                         pods, run again and apply again)
  -h, --help             this text

Rotation: run again before tls.crt expires and re-apply; the CA is kept, so only the Secret
changes and ipguard picks up the new files without a restart.
EOF
}

die() {
  printf 'certs/gen.sh: %s\n' "$1" >&2
  exit 2
}

need_value() {
  [ "$2" -ge 2 ] || die "$1 needs a value (see --help)"
}

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
namespace=${IPGUARD_NAMESPACE:-ipguard}
service=${IPGUARD_SERVICE:-ipguard}
out=${IPGUARD_CERTS_OUT:-$script_dir/out}
days=${IPGUARD_CERT_DAYS:-365}
ca_days=${IPGUARD_CA_DAYS:-1825}
secret_name=${IPGUARD_TLS_SECRET:-ipguard-tls}
local_names=false
new_ca=false

while [ $# -gt 0 ]; do
  case $1 in
    -n | --namespace) need_value "$1" $#; namespace=$2; shift 2 ;;
    --namespace=*) namespace=${1#*=}; shift ;;
    -s | --service) need_value "$1" $#; service=$2; shift 2 ;;
    --service=*) service=${1#*=}; shift ;;
    -o | --out) need_value "$1" $#; out=$2; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    --days) need_value "$1" $#; days=$2; shift 2 ;;
    --days=*) days=${1#*=}; shift ;;
    --ca-days) need_value "$1" $#; ca_days=$2; shift 2 ;;
    --ca-days=*) ca_days=${1#*=}; shift ;;
    --secret-name) need_value "$1" $#; secret_name=$2; shift 2 ;;
    --secret-name=*) secret_name=${1#*=}; shift ;;
    --local) local_names=true; shift ;;
    --new-ca) new_ca=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

command -v openssl >/dev/null 2>&1 || die "openssl is needed and was not found"

is_dns_label() {
  [[ $1 =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] && [ ${#1} -le 63 ]
}
is_count() {
  [[ $1 =~ ^[1-9][0-9]{0,4}$ ]]
}
is_dns_label "$namespace" || die "--namespace '$namespace': not a DNS label (lower-case letters, digits, '-')"
is_dns_label "$service" || die "--service '$service': not a DNS label (lower-case letters, digits, '-')"
# A Secret name may be a DNS subdomain; a label is enough here and keeps the check simple.
is_dns_label "$secret_name" || die "--secret-name '$secret_name': not a DNS label"
# 825 days: the longest server certificate lifetime that Apple's TLS stack accepts.
if ! is_count "$days" || [ "$days" -gt 825 ]; then
  die "--days '$days': expected a whole number from 1 to 825"
fi
is_count "$ca_days" || die "--ca-days '$ca_days': expected a whole number of days"
[ -n "$out" ] || die "--out: empty"

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The names the apiserver and in-cluster clients use for the Service. The apiserver dials
# <service>.<namespace>.svc for a webhook's service reference and checks the certificate for it.
# Plain space-separated lists (no arrays): macOS still ships bash 3.2.
common_name="$service.$namespace.svc"
dns_names="$common_name $service.$namespace.svc.cluster.local $service.$namespace $service"
ip_names=""
if [ "$local_names" = true ]; then
  dns_names="$dns_names localhost"
  ip_names="127.0.0.1"
fi

new_key() {
  # EC P-256: small, fast, and accepted by the apiserver and Node.js alike.
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

public_key_of_cert() { openssl x509 -in "$1" -noout -pubkey; }
public_key_of_key() { openssl pkey -in "$1" -pubout; }

# --- CA: reuse the folder's CA when it is whole and outlives the new leaf, so the caBundle
# (and the webhook configuration) stay the same across rotations.
reuse_ca=false
if [ "$new_ca" = false ] && [ -f "$out/ca.crt" ] && [ -f "$out/ca.key" ]; then
  [ "$(public_key_of_cert "$out/ca.crt")" = "$(public_key_of_key "$out/ca.key")" ] ||
    die "$out/ca.crt and $out/ca.key do not belong together; remove them or use --new-ca"
  openssl x509 -in "$out/ca.crt" -noout -checkend $((days * 86400)) >/dev/null ||
    die "the CA in $out expires within $days days, before the new certificate would; use --new-ca (then re-apply: the caBundle changes)"
  reuse_ca=true
fi

# Replacing a CA that is still valid: the caBundle trusts both until the next run, so the apiserver
# accepts the pods' current certificate until the kubelet has delivered the new one.
if [ "$reuse_ca" = false ] && [ -f "$out/ca.crt" ] &&
  openssl x509 -in "$out/ca.crt" -noout -checkend 0 >/dev/null 2>&1; then
  cp "$out/ca.crt" "$work/previous-ca.crt"
fi

if [ "$reuse_ca" = false ]; then
  [ "$ca_days" -ge "$days" ] ||
    die "--ca-days $ca_days is shorter than --days $days: the certificate would outlive its CA"
  cat >"$work/ca.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = ipguard webhook CA ($namespace)
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EOF
  new_key "$work/ca.key"
  openssl req -x509 -new -sha256 -key "$work/ca.key" -config "$work/ca.cnf" -extensions ca \
    -days "$ca_days" -set_serial "0x$(openssl rand -hex 16)" -out "$work/ca.crt"
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
fi

# --- Serving certificate.
{
  printf '[leaf]\n'
  printf 'basicConstraints = critical, CA:FALSE\n'
  printf 'keyUsage = critical, digitalSignature\n'
  printf 'extendedKeyUsage = serverAuth\n'
  printf 'subjectKeyIdentifier = hash\n'
  printf 'authorityKeyIdentifier = keyid:always\n'
  printf 'subjectAltName = @alt\n'
  printf '[alt]\n'
  i=0
  for name in $dns_names; do
    i=$((i + 1))
    printf 'DNS.%d = %s\n' "$i" "$name"
  done
  i=0
  for ip in $ip_names; do
    i=$((i + 1))
    printf 'IP.%d = %s\n' "$i" "$ip"
  done
} >"$work/leaf.ext"

new_key "$work/tls.key"
openssl req -new -sha256 -key "$work/tls.key" -subj "/CN=$common_name" -out "$work/tls.csr"
openssl x509 -req -sha256 -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -days "$days" \
  -extfile "$work/leaf.ext" -extensions leaf -out "$work/tls.crt" 2>/dev/null
openssl verify -CAfile "$out/ca.crt" "$work/tls.crt" >/dev/null ||
  die "the new certificate does not verify against $out/ca.crt"
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"

b64() { openssl base64 -A <"$1"; }
cp "$out/ca.crt" "$work/bundle.pem"
if [ -f "$work/previous-ca.crt" ]; then
  cat "$work/previous-ca.crt" >>"$work/bundle.pem"
fi
ca_bundle=$(b64 "$work/bundle.pem")
printf '%s\n' "$ca_bundle" >"$out/caBundle"

cat >"$out/secret.yaml" <<EOF
# Written by certs/gen.sh. Holds a private key: never commit it.
apiVersion: v1
kind: Secret
metadata:
  name: $secret_name
  namespace: $namespace
  labels:
    app.kubernetes.io/name: ipguard
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$out/tls.crt")
  tls.key: $(b64 "$out/tls.key")
  ca.crt: $(b64 "$out/ca.crt")
EOF

cat >"$out/cabundle-patch.yaml" <<EOF
# Written by certs/gen.sh: the CA that signed the serving certificate (and, right after --new-ca,
# the one it replaces), for the apiserver.
- op: add
  path: /webhooks/0/clientConfig/caBundle
  value: $ca_bundle
- op: add
  path: /webhooks/1/clientConfig/caBundle
  value: $ca_bundle
EOF

cat >"$out/kustomization.yaml" <<'EOF'
# Written by certs/gen.sh: the serving certificate's Secret and the webhook's caBundle.
apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
resources:
  - secret.yaml
patches:
  - path: cabundle-patch.yaml
    target:
      group: admissionregistration.k8s.io
      version: v1
      kind: ValidatingWebhookConfiguration
      name: ipguard
EOF

# Inside a git work tree, say so if the key material would not be ignored.
if git -C "$out" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  for f in ca.key tls.key secret.yaml; do
    git -C "$out" check-ignore -q "$f" ||
      printf 'certs/gen.sh: warning: %s/%s is not git-ignored; do not commit it\n' "$out" "$f" >&2
  done
fi

ca_state=new
[ "$reuse_ca" = true ] && ca_state=existing
expires=$(openssl x509 -in "$out/tls.crt" -noout -enddate)
printf 'Wrote %s (%s CA; serving certificate for %s, %s).\n' \
  "$out" "$ca_state" "$dns_names" "${expires#notAfter=}"
