package perso

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"sort"

	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// Keys are the chip's private keys a personalization writes.
type Keys struct {
	// AA is the Active Authentication key (*rsa.PrivateKey or
	// *ecdsa.PrivateKey), nil for none.
	AA crypto.PrivateKey
	// CA is the Chip Authentication key, nil for none; CAKeyID is the key
	// identifier DG14 gives it (1 when zero).
	CA      *ecdsa.PrivateKey
	CAKeyID int
	// TrustPoints are the CVCA certificates (DER) the chip trusts for
	// Terminal Authentication, at most two (slots 1 and 2); none leaves
	// Extended Access Control out.
	TrustPoints [][]byte
}

// DefaultChunk is the data of one UPDATE BINARY: a short APDU's worth that
// also fits the odd-INS form's 54/53 headers.
const DefaultChunk = 0xDF

// Script is the personalization of doc in the order of perso-protocol.md:
// select the applet, the BAC seed and the CAN, the AA key, the CA key, the
// CVCA trust points, then
// for every file (in identifier order) CREATE FILE, SELECT and UPDATE
// BINARY in chunks of at most chunk bytes (DefaultChunk when 0). LOCK is not
// part of it: it comes after the read-back.
func Script(doc *lds.Document, k Keys, chunk int) ([]Command, error) {
	if chunk <= 0 || chunk > DefaultChunk {
		chunk = DefaultChunk
	}
	cmds := []Command{SelectApplet{}, PutBACSeed{Secret: doc.Secret.MRZOnly()}}
	if doc.Secret.HasCAN() {
		cmds = append(cmds, PutCAN{CAN: doc.Secret.CAN})
	}
	switch key := k.AA.(type) {
	case nil:
	case *rsa.PrivateKey:
		cmds = append(cmds, PutAARSAModulus{N: key.N.Bytes()}, PutAARSAExponent{D: key.D.Bytes()})
	case *ecdsa.PrivateKey:
		oid, d, err := ecKey(key, "AA")
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, PutAAECKey{Curve: oid, D: d})
	default:
		return nil, fmt.Errorf("AA key of type %T is not supported", k.AA)
	}
	if k.CA != nil {
		oid, d, err := ecKey(k.CA, "CA")
		if err != nil {
			return nil, err
		}
		id := k.CAKeyID
		if id == 0 {
			id = 1
		}
		cmds = append(cmds, PutCAKey{KeyID: id, Curve: oid, D: d})
	}
	if len(k.TrustPoints) > 2 {
		return nil, fmt.Errorf("%d CVCA trust points: a chip holds at most 2", len(k.TrustPoints))
	}
	for i, tp := range k.TrustPoints {
		cmds = append(cmds, PutTrustPoint{Slot: i + 1, Certificate: tp})
	}
	fids := make([]int, 0, len(doc.Files))
	for fid := range doc.Files {
		fids = append(fids, int(fid))
	}
	sort.Ints(fids)
	for _, f := range fids {
		fid := uint16(f)
		data := doc.Files[fid]
		if len(data) > MaxFileSize {
			return nil, fmt.Errorf("%s is %d bytes; a file holds at most %d", lds.FileName(fid), len(data), MaxFileSize)
		}
		cmds = append(cmds, CreateFile{FID: fid, Size: len(data), MasterFile: lds.IsMasterFile(fid)}, SelectFile{FID: fid})
		for off := 0; off < len(data); off += chunk {
			cmds = append(cmds, UpdateBinary{Offset: off, Data: data[off:min(off+chunk, len(data))]})
		}
	}
	return cmds, nil
}

func ecKey(k *ecdsa.PrivateKey, what string) (asn1.ObjectIdentifier, []byte, error) {
	oid, ok := pki.CurveOID(k.Curve)
	if !ok {
		return nil, nil, fmt.Errorf("%s key curve %s has no OID", what, k.Curve.Params().Name)
	}
	return oid, k.D.FillBytes(make([]byte, (k.Curve.Params().N.BitLen()+7)/8)), nil
}
