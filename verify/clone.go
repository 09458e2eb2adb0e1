package verify

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"io"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/lds"
)

// ecdsaAAHashes maps DG14 AA signature algorithms to hashes.
var ecdsaAAHashes = map[string]crypto.Hash{
	"1.2.840.10045.4.1":   crypto.SHA1,
	"1.2.840.10045.4.3.1": crypto.SHA224,
	"1.2.840.10045.4.3.2": crypto.SHA256,
	"1.2.840.10045.4.3.3": crypto.SHA384,
	"1.2.840.10045.4.3.4": crypto.SHA512,
}

// cloneDetection runs Chip Authentication when DG14 offers it (ICAO 9303-11
// §6.2; it also upgrades the session keys) and Active Authentication when
// the chip has DG15 (§6.1): each key the chip's signed files name must be
// proven held.
func cloneDetection(card *apdu.Card, rep *Report, f *document, rnd io.Reader) {
	if b14, ok := f.dgs[14]; ok {
		dg14, err := lds.ParseDG14(b14)
		if err != nil {
			rep.add("dg14.parse", Fail, "DG14 does not parse: %v", err)
		} else if ca, offered, err := chip.CAFromDG14(dg14); offered {
			switch {
			case err != nil:
				rep.add("clone.chip_authentication", Fail, "%v", err)
			default:
				if err := chip.ChipAuthenticate(card, ca, rnd); err != nil {
					if errors.Is(err, chip.ErrCAFailed) {
						rep.add("clone.chip_authentication", Fail, "the chip cannot go on under keys agreed with the DG14 key: cloned chip")
					} else {
						rep.add("clone.chip_authentication", Fail, "chip authentication failed: %v", err)
					}
				} else {
					rep.add("clone.chip_authentication", Pass, "the chip proved it holds the DG14 key (new session keys)")
				}
			}
		}
	}
	activeAuthentication(card, rep, f, rnd)
}

func activeAuthentication(card *apdu.Card, rep *Report, f *document, rnd io.Reader) {
	b, ok := f.dgs[15]
	if !ok {
		rep.add("clone.active_authentication", Skip, "the chip has no DG15: it cannot prove it is not a copy")
		return
	}
	dg15, err := lds.ParseDG15(b)
	if err != nil {
		rep.add("clone.active_authentication", Fail, "DG15 does not parse: %v", err)
		return
	}
	pub, err := dg15.CryptoPublicKey()
	if err != nil {
		rep.add("clone.active_authentication", Fail, "DG15 key: %v", err)
		return
	}
	var h crypto.Hash
	if b14, ok := f.dgs[14]; ok {
		if dg14, err := lds.ParseDG14(b14); err == nil {
			for _, si := range dg14.Infos.Of(lds.SecurityInfoActiveAuthentication) {
				h = ecdsaAAHashes[asn1.ObjectIdentifier(si.SignatureAlgorithm).String()]
			}
		}
	}
	if err := chip.ActiveAuthenticate(card, pub, h, rnd); err != nil {
		if errors.Is(err, chip.ErrAAFailed) {
			rep.add("clone.active_authentication", Fail, "the chip's signature of a fresh challenge does not verify with the DG15 key: cloned chip")
		} else {
			rep.add("clone.active_authentication", Fail, "active authentication failed: %v", err)
		}
		return
	}
	rep.add("clone.active_authentication", Pass, "the chip signed a fresh challenge with the DG15 key")
}
