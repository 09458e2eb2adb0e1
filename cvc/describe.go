package cvc

import (
	"fmt"
	"strings"
	"time"
)

// String describes the certificate for people, one field a line: role,
// references, validity, rights and key (for a future "cccd inspect").
func (c *Certificate) String() string {
	var b strings.Builder
	kind := c.Role().String()
	switch {
	case c.Role() == RoleTerminal && c.CHAT.IsInspectionSystem():
		kind = "inspection system"
	case c.Role() == RoleCVCA && c.IsSelfSigned():
		kind += " (self-signed)"
	case c.Role() == RoleCVCA:
		kind += " (link certificate)"
	}
	fmt.Fprintf(&b, "CV certificate: %s\n", kind)
	fmt.Fprintf(&b, "  holder (CHR):    %s\n", c.CHR)
	fmt.Fprintf(&b, "  issuer (CAR):    %s\n", c.CAR)
	fmt.Fprintf(&b, "  valid:           %s to %s\n", c.EffectiveDate.Format(time.DateOnly), c.ExpirationDate.Format(time.DateOnly))
	fmt.Fprintf(&b, "  authorization:   %s\n", c.CHAT)
	fmt.Fprintf(&b, "  public key:      %s\n", c.PublicKey.describe())
	for _, e := range c.Extensions {
		fmt.Fprintf(&b, "  extension:       %s (%d octets)\n", e.OID, len(e.Data))
	}
	fmt.Fprintf(&b, "  signature:       %d octets", len(c.Signature))
	return b.String()
}

// String describes the request for people.
func (r *Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CV certificate request\n")
	fmt.Fprintf(&b, "  holder (CHR):    %s\n", r.CHR)
	if r.CAR != "" {
		fmt.Fprintf(&b, "  expected CA:     %s\n", r.CAR)
	}
	fmt.Fprintf(&b, "  public key:      %s\n", r.PublicKey.describe())
	for _, e := range r.Extensions {
		fmt.Fprintf(&b, "  extension:       %s (%d octets)\n", e.OID, len(e.Data))
	}
	if r.Authenticated() {
		fmt.Fprintf(&b, "  outer signature: by %s\n", r.OuterCAR)
	}
	fmt.Fprintf(&b, "  inner signature: %d octets", len(r.Signature))
	return b.String()
}

func (k *PublicKey) describe() string {
	switch {
	case k.Algorithm.IsRSA():
		n := len(k.Modulus) * 8
		if len(k.Modulus) > 0 {
			n -= leadingZeroBits(k.Modulus[0])
		}
		return fmt.Sprintf("%s, %d-bit modulus", k.Algorithm, n)
	case k.Params == nil:
		return fmt.Sprintf("%s, domain parameters inherited from the CVCA", k.Algorithm)
	}
	if c, err := k.Params.Curve(); err == nil {
		return fmt.Sprintf("%s, %s", k.Algorithm, c.Params().Name)
	}
	return fmt.Sprintf("%s, explicit parameters of an unknown %d-bit curve", k.Algorithm, len(k.Params.Prime)*8)
}

func leadingZeroBits(b byte) int {
	n := 0
	for mask := byte(0x80); mask != 0 && b&mask == 0; mask >>= 1 {
		n++
	}
	return n
}
