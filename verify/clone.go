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

func (d *document) listed(n int) bool {
	for _, m := range d.sodList {
		if m == n {
			return true
		}
	}
	return false
}

// cloneDetection proves that the chip holds the private keys its signed
// files name: Chip Authentication with the key of DG14 (ICAO 9303-11 §6.2;
// it also renews the session keys) and Active Authentication with the key
// of DG15 (§6.1). When EF.SOD lists DG14 or DG15 the matching check must
// run and pass — a copy that withholds the file fails its hash check, and
// the clone check with it; "skipped" is only for a document that has
// neither. A transport failure during a check returns an error: nothing is
// concluded from a card pulled off the reader.
func cloneDetection(card *apdu.Card, rep *Report, f *document, in Input, rnd io.Reader) error {
	if err := chipAuthentication(card, rep, f); err != nil {
		return err
	}
	return activeAuthentication(card, rep, f, in, rnd)
}

func chipAuthentication(card *apdu.Card, rep *Report, f *document) error {
	const name = "clone.chip_authentication"
	b14, ok := f.dgs[14]
	switch {
	case !ok && f.listed(14):
		rep.add(name, Fail, "EF.SOD lists DG14 but the chip does not give it: chip authentication cannot run")
		return nil
	case !ok:
		return nil
	}
	dg14, err := lds.ParseDG14(b14)
	if err != nil {
		rep.add("dg14.parse", Fail, "DG14 does not parse: %v", err)
		rep.add(name, Fail, "DG14 does not parse: chip authentication cannot run")
		return nil
	}
	_, offered, err := chip.CAFromDG14(dg14)
	switch {
	case !offered:
		rep.add(name, Skip, "DG14 holds no chip authentication key")
		return nil
	case errors.Is(err, chip.ErrCAUnsupported):
		// The terminal's limit, not the chip's: nothing is concluded
		// about a copy, and the clerk is told.
		rep.add(name, Warn, "not checked: %v — whether the chip is a copy is not known", err)
		return nil
	case err != nil:
		rep.add("dg14.parse", Fail, "DG14's chip authentication key: %v", err)
		rep.add(name, Skip, "DG14's chip authentication key is malformed: chip authentication cannot run")
		return nil
	case card == nil:
		rep.add(name, Skip, "not possible offline: chip authentication needs the chip")
		return nil
	}
	// Chip authentication ran while reading (readDocument), as soon as
	// DG14 was in: its outcome is judged here.
	out := f.ca
	switch {
	case out == nil:
		rep.add(name, Fail, "chip authentication could not run (no secure messaging session to run it in)")
	case out.unsupported:
		rep.add(name, Warn, "not checked: %v — whether the chip is a copy is not known", out.err)
	case out.err == nil:
		rep.add(name, Pass, "the chip proved it holds the DG14 key: it answered under the new session keys")
	default:
		rep.add(name, Fail, "the chip cannot go on under keys agreed with the DG14 key: cloned chip (%v)", out.err)
	}
	return nil
}

func activeAuthentication(card *apdu.Card, rep *Report, f *document, in Input, rnd io.Reader) error {
	const name = "clone.active_authentication"
	b, ok := f.dgs[15]
	switch {
	case !ok && f.listed(15):
		rep.add(name, Fail, "EF.SOD lists DG15 but the chip does not give it: active authentication cannot run")
		return nil
	case !ok:
		rep.add(name, Skip, "the chip has no DG15")
		return nil
	}
	dg15, err := lds.ParseDG15(b)
	if err != nil {
		rep.add(name, Fail, "DG15 does not parse: %v", err)
		return nil
	}
	pub, err := dg15.CryptoPublicKey()
	if err != nil {
		rep.add(name, Fail, "DG15 key: %v", err)
		return nil
	}
	var h crypto.Hash
	if b14, ok := f.dgs[14]; ok {
		if dg14, err := lds.ParseDG14(b14); err == nil {
			for _, si := range dg14.Infos.Of(lds.SecurityInfoActiveAuthentication) {
				h = ecdsaAAHashes[asn1.ObjectIdentifier(si.SignatureAlgorithm).String()]
			}
		}
	}
	if card == nil {
		// Offline: a signature the chip made over a challenge, given
		// with the files (what an eKYC phone app records), can still be
		// checked; the challenge must be one the verifier chose.
		if in.AAChallenge == nil || in.AASignature == nil {
			rep.add(name, Skip, "not possible offline: active authentication needs the chip (or its signature over a challenge)")
			return nil
		}
		if err := chip.VerifyAA(pub, h, in.AAChallenge, in.AASignature); err != nil {
			rep.add(name, Fail, "the signature given does not verify with the DG15 key over the challenge given: %v", err)
		} else {
			rep.add(name, Pass, "the signature given verifies with the DG15 key over the challenge given (the freshness of the challenge is the caller's)")
		}
		return nil
	}
	err = chip.ActiveAuthenticate(card, pub, h, rnd)
	switch {
	case err == nil:
		rep.add(name, Pass, "the chip signed a fresh challenge with the DG15 key")
	case errors.Is(err, chip.ErrAAFailed):
		rep.add(name, Fail, "the chip's signature of a fresh challenge does not verify with the DG15 key: cloned chip")
	case !apdu.IsTransport(err):
		rep.add(name, Fail, "the chip refuses active authentication (%v), which DG15 promises: cloned chip", err)
	default:
		return err
	}
	return nil
}
