package pki

import (
	"crypto/sha256"
	"sync"

	"github.com/cccd-vn/cccd/internal/cms"
)

// verifiedSignatures remembers signatures that verified: a counter checks
// card after card signed by the same few Document Signers, whose
// certificates (and the CSCA's CRL) carry the same signature each time.
// A signature is a pure function of the signed bytes, the signature and
// the key, so a success keyed by a hash of all three stays true; failures
// are not kept (they are rare and must say why each time).
var verifiedSignatures sync.Map // [32]byte → struct{}

// maxVerifiedSignatures bounds the cache: past it, nothing more is kept.
const maxVerifiedSignatures = 4096

var verifiedCount struct {
	sync.Mutex
	n int
}

func verifyCached(pub any, spki []byte, alg cms.AlgorithmIdentifier, signed, sig []byte) error {
	h := sha256.New()
	for _, part := range [][]byte{spki, alg.Bytes(), signed, sig} {
		var n [8]byte
		for i, l := 0, len(part); i < 8; i, l = i+1, l>>8 {
			n[i] = byte(l)
		}
		h.Write(n[:])
		h.Write(part)
	}
	var key [32]byte
	h.Sum(key[:0])
	if _, ok := verifiedSignatures.Load(key); ok {
		return nil
	}
	if err := cms.VerifyMessage(pub, alg, 0, signed, sig); err != nil {
		return err
	}
	verifiedCount.Lock()
	if verifiedCount.n < maxVerifiedSignatures {
		verifiedCount.n++
		verifiedSignatures.Store(key, struct{}{})
	}
	verifiedCount.Unlock()
	return nil
}
