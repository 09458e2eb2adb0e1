package cvc

import (
	"crypto"
	_ "crypto/sha1"   // SHA-1 for id-TA-*-SHA-1
	_ "crypto/sha256" // SHA-224, SHA-256
	_ "crypto/sha512" // SHA-384, SHA-512
	"encoding/asn1"
	"fmt"
)

// Algorithm is a Terminal Authentication signature algorithm, named by
// the object identifier of a public key data object (TR-03110 part 3
// §A.1.1.3, Tables 17 and 18).
type Algorithm uint8

// The algorithms of TR-03110 part 3 §A.7.3 (RSA) and §A.7.4 (ECDSA).
const (
	AlgorithmUnknown Algorithm = iota
	RSAv15SHA1                 // id-TA-RSA-v1-5-SHA-1
	RSAv15SHA256               // id-TA-RSA-v1-5-SHA-256
	RSAPSSSHA1                 // id-TA-RSA-PSS-SHA-1
	RSAPSSSHA256               // id-TA-RSA-PSS-SHA-256
	RSAv15SHA512               // id-TA-RSA-v1-5-SHA-512
	RSAPSSSHA512               // id-TA-RSA-PSS-SHA-512
	ECDSASHA1                  // id-TA-ECDSA-SHA-1
	ECDSASHA224                // id-TA-ECDSA-SHA-224
	ECDSASHA256                // id-TA-ECDSA-SHA-256
	ECDSASHA384                // id-TA-ECDSA-SHA-384
	ECDSASHA512                // id-TA-ECDSA-SHA-512
)

// id-TA = bsi-de protocols(2) smartcard(2) 2 with bsi-de = 0.4.0.127.0.7
// (TR-03110 part 3 §A.1.1.3); id-TA-RSA = id-TA 1, id-TA-ECDSA = id-TA 2.
var (
	oidTA      = asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 2, 2, 2}
	oidTARSA   = append(oidTA[:len(oidTA):len(oidTA)], 1)
	oidTAECDSA = append(oidTA[:len(oidTA):len(oidTA)], 2)
)

type algorithmInfo struct {
	name string
	arc  int // last arc under id-TA-RSA or id-TA-ECDSA
	hash crypto.Hash
	ec   bool
	pss  bool
}

var algorithms = [...]algorithmInfo{
	RSAv15SHA1:   {"id-TA-RSA-v1-5-SHA-1", 1, crypto.SHA1, false, false},
	RSAv15SHA256: {"id-TA-RSA-v1-5-SHA-256", 2, crypto.SHA256, false, false},
	RSAPSSSHA1:   {"id-TA-RSA-PSS-SHA-1", 3, crypto.SHA1, false, true},
	RSAPSSSHA256: {"id-TA-RSA-PSS-SHA-256", 4, crypto.SHA256, false, true},
	RSAv15SHA512: {"id-TA-RSA-v1-5-SHA-512", 5, crypto.SHA512, false, false},
	RSAPSSSHA512: {"id-TA-RSA-PSS-SHA-512", 6, crypto.SHA512, false, true},
	ECDSASHA1:    {"id-TA-ECDSA-SHA-1", 1, crypto.SHA1, true, false},
	ECDSASHA224:  {"id-TA-ECDSA-SHA-224", 2, crypto.SHA224, true, false},
	ECDSASHA256:  {"id-TA-ECDSA-SHA-256", 3, crypto.SHA256, true, false},
	ECDSASHA384:  {"id-TA-ECDSA-SHA-384", 4, crypto.SHA384, true, false},
	ECDSASHA512:  {"id-TA-ECDSA-SHA-512", 5, crypto.SHA512, true, false},
}

func (a Algorithm) info() (algorithmInfo, bool) {
	if a == AlgorithmUnknown || int(a) >= len(algorithms) {
		return algorithmInfo{}, false
	}
	return algorithms[a], true
}

// AlgorithmFromOID returns the algorithm an object identifier names, or
// AlgorithmUnknown.
func AlgorithmFromOID(oid asn1.ObjectIdentifier) Algorithm {
	if len(oid) != len(oidTA)+2 || !oid[:len(oidTA)].Equal(oidTA) {
		return AlgorithmUnknown
	}
	for a := RSAv15SHA1; int(a) < len(algorithms); a++ {
		in := algorithms[a]
		family := 1
		if in.ec {
			family = 2
		}
		if oid[len(oidTA)] == family && oid[len(oidTA)+1] == in.arc {
			return a
		}
	}
	return AlgorithmUnknown
}

// OID returns the algorithm's object identifier, nil for an unknown one.
func (a Algorithm) OID() asn1.ObjectIdentifier {
	in, ok := a.info()
	if !ok {
		return nil
	}
	base := oidTARSA
	if in.ec {
		base = oidTAECDSA
	}
	return append(base[:len(base):len(base)], in.arc)
}

// Hash returns the algorithm's hash function, 0 for an unknown one.
func (a Algorithm) Hash() crypto.Hash {
	in, _ := a.info()
	return in.hash
}

// IsECDSA reports an id-TA-ECDSA algorithm.
func (a Algorithm) IsECDSA() bool { in, ok := a.info(); return ok && in.ec }

// IsRSA reports an id-TA-RSA algorithm.
func (a Algorithm) IsRSA() bool { in, ok := a.info(); return ok && !in.ec }

// IsPSS reports RSASSA-PSS (TR-03110 part 3 §A.7.3.1).
func (a Algorithm) IsPSS() bool { in, ok := a.info(); return ok && in.pss }

func (a Algorithm) String() string {
	if in, ok := a.info(); ok {
		return in.name
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

// ECDSAAlgorithmFor picks the id-TA-ECDSA algorithm whose hash matches a
// curve of the given bit size, as TR-03111 §4.2 recommends.
func ECDSAAlgorithmFor(bitSize int) Algorithm {
	switch {
	case bitSize <= 224:
		return ECDSASHA224
	case bitSize <= 256:
		return ECDSASHA256
	case bitSize <= 384:
		return ECDSASHA384
	}
	return ECDSASHA512
}
