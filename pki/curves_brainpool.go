package pki

import (
	"crypto"
	"encoding/asn1"

	"github.com/cccd-vn/cccd/internal/brainpool"
)

// The RFC 5639 curves (OIDs from RFC 5639 §4.1) for keys, certificates and
// signatures: crypto/x509 refuses them, so this package's own X.509 codec
// and crypto/ecdsa's generic-curve path carry them.
func init() {
	pkiCurves = append(pkiCurves,
		namedCurve{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}, brainpool.P256r1(), false},
		namedCurve{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}, brainpool.P384r1(), false},
		namedCurve{asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}, brainpool.P512r1(), false},
	)
	algorithms["ecdsa-brainpool256"] = algorithm{gen: ecGen(brainpool.P256r1), params: SigningParams{Hash: crypto.SHA256}}
	algorithms["ecdsa-brainpool384"] = algorithm{gen: ecGen(brainpool.P384r1), params: SigningParams{Hash: crypto.SHA384}}
	algorithms["ecdsa-brainpool512"] = algorithm{gen: ecGen(brainpool.P512r1), params: SigningParams{Hash: crypto.SHA512}}
	// The profile of Viet Nam's CSCA (CSCA ePassport Vietnam, 2022): a
	// brainpoolP512r1 key written with explicit parameters, signing with
	// ecdsa-with-SHA512; its Document Signers on brainpoolP384r1 with
	// SHA-384.
	algorithms["vn-brainpool512"] = algorithm{gen: ecGen(brainpool.P512r1), params: SigningParams{Hash: crypto.SHA512}, explicit: true,
		ds: &algorithm{gen: ecGen(brainpool.P384r1), params: SigningParams{Hash: crypto.SHA384}}}
}
