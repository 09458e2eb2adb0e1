#!/usr/bin/env bash
# The built-in example, end to end on emulated cards: a test PKI, sample
# citizens, a personalized batch with QR images, then a counter verifying
# a card in-process and through the real pcscd (vpcd reader), and a forged
# card being caught. Set N for a bigger batch.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/bin/cccd
out=${DEMO_DIR:-demo}
n=${N:-5}
rm -rf "$out"
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "cccd $($bin version | cut -d' ' -f2): PC/SC readers (vpcd adds 'Virtual PCD 00 00' and '00 01')"
$bin readers

step "test PKI: CSCA + Document Signer + CRL + master list"
$bin pki init --out "$out/pki" >/dev/null
ls "$out/pki"
$bin trust add --trust "$out/trust" "$out/pki/csca.pem" "$out/pki/csca.crl"

step "$n sample citizens with face photos"
$bin testcards sample --out "$out/samples" --n "$n" --seed 1

step "factory: validate, build, sign, write, read back, lock $n emulated cards"
$bin personalize --input "$out/samples/records.jsonl" --ds-cert "$out/pki/ds.pem" --ds-key "$out/pki/ds.key" \
  --reader "emu:$out/cards" --qr-out "$out/qr" --journal "$out/journal.db"
$bin journal show --journal "$out/journal.db" | tail -1

card=$(ls "$out"/cards/*.card | head -1)
id=$(basename "$card" .card)
step "counter, in-process: verify the first card with its CAN (last 6 digits of the ID number)"
$bin verify --reader "emu:$card" --can "${id:6:6}" --trust "$out/trust" --photo-out "$out/face.jpg"

step "counter, through pcscd: the card in the vpcd reader, opened from its QR code"
$bin emulate --card "$card" 2>"$out/emulate.log" &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
for _ in $(seq 50); do $bin readers --json 2>/dev/null | grep -q '"card_present": true' && break; sleep 0.2; done
$bin verify --reader "Virtual PCD 00 00" --qr-image "$out/qr/$id.png" --trust "$out/trust" --json >"$out/report.json"
head -c 600 "$out/report.json"; echo " … (whole report: $out/report.json)"
kill $emu; wait $emu 2>/dev/null || true
trap - EXIT

step "a forged card: DG13 changed after signing"
cp "$card" "$out/forged.card"
$bin testcards tamper --card "$out/forged.card" --dg 13
if $bin verify --reader "emu:$out/forged.card" --can "${id:6:6}" --trust "$out/trust" | grep -E "FAIL|NOT VERIFIED"; then :; fi

step "done: card images in $out/cards, QR payloads and images in $out/qr (manifest $out/qr/manifest.csv), journal $out/journal.db"

cat <<EOF

== the counter's web page
Start it on these demo cards:   make serve      (or: $bin serve --demo $out)
then open                       http://127.0.0.1:8080/
Put a demo card on the virtual reader from the page's "Thẻ mẫu" panel, type its
CAN (shown there) or press "Quét QR", and read the verdict. The JSON API is
described at http://127.0.0.1:8080/api/v1/openapi.json (README: "The counter").
EOF
