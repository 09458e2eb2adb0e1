package pki

import "github.com/cccd-vn/cccd/internal/cms"

// NamesEqual reports whether two DER-encoded X.501 Names denote the same
// distinguished name (RFC 5280 §7.1): RDNs compared as sets of attribute
// type and value, directory strings case-insensitively after white-space
// folding whatever their string type, the RDN order not significant. It
// is used for every issuer match of this package (chains, CRLs, CMS
// signer identifiers); a match only selects a candidate whose signature
// is then verified.
func NamesEqual(a, b []byte) bool { return cms.NamesEqual(a, b) }
