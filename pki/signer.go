package pki

import "github.com/cccd-vn/cccd/internal/cms"

// SignerMatch says how the certificate of a CMS signer was found.
type SignerMatch int

// How a signer certificate was found.
const (
	// SignerNotFound: no certificate fits.
	SignerNotFound SignerMatch = iota
	// SignerIdentified: the certificate is the one the SignerInfo's
	// SignerIdentifier names (RFC 5652 §5.3; issuer compared per RFC 5280
	// §7.1).
	SignerIdentified
	// SignerSingleCertificate: no certificate matches the identifier, and
	// the SignedData embeds exactly one, which is returned: some issuers
	// write an identifier that matches nothing (a wrong serial, another
	// issuer name encoding). Only a signature that verifies with its key
	// makes it the signer.
	SignerSingleCertificate
)

func (m SignerMatch) String() string {
	switch m {
	case SignerIdentified:
		return "identified"
	case SignerSingleCertificate:
		return "single embedded certificate"
	}
	return "not found"
}

// FindSignerCertificate returns the certificate of the signer si: the
// first of embedded (the SignedData's certificates), then of extra (e.g.
// Document Signers the caller holds), that the SignerIdentifier names;
// else, if embedded holds exactly one certificate, that one
// (SignerSingleCertificate).
func FindSignerCertificate(si *cms.SignerInfo, embedded, extra []*Certificate) (*Certificate, SignerMatch) {
	for _, pool := range [][]*Certificate{embedded, extra} {
		for _, c := range pool {
			if si.Identifies(c.RawIssuer, c.SerialNumber, c.SubjectKeyID) {
				return c, SignerIdentified
			}
		}
	}
	if len(embedded) == 1 {
		return embedded[0], SignerSingleCertificate
	}
	return nil, SignerNotFound
}
