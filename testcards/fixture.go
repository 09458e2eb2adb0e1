package testcards

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// PersonalizedImage makes the image of a locked card holding card's files
// and secrets and the Active Authentication private key aa (nil: none),
// as a finished personalization leaves it. Tests of the verifier build
// genuine and forged cards with it in a few lines.
func PersonalizedImage(card *lds.Document, aa crypto.PrivateKey, p Profile) (*Image, error) {
	img := NewBlankImage(p)
	for fid, data := range card.Files {
		img.SetFile(fid, lds.IsMasterFile(fid), data)
	}
	img.Secret = card.Secret
	if err := img.SetAAKey(aa); err != nil {
		return nil, err
	}
	img.Locked = true
	return img, nil
}

// SetCAKey stores the Chip Authentication private key (nil removes it).
func (img *Image) SetCAKey(k *ecdsa.PrivateKey) error {
	if k == nil {
		img.CA = nil
		return nil
	}
	oid, ok := pki.CurveOID(k.Curve)
	if !ok {
		return fmt.Errorf("unsupported CA curve %s", k.Curve.Params().Name)
	}
	img.CA = &CAKeyHex{KeyID: 1, Curve: oid.String(), D: fmt.Sprintf("%X", k.D)}
	return nil
}

// SetAAKey stores an Active Authentication private key (nil removes it).
func (img *Image) SetAAKey(aa crypto.PrivateKey) error {
	img.AARSA, img.AAEC = nil, nil
	switch k := aa.(type) {
	case nil:
	case *rsa.PrivateKey:
		img.AARSA = &RSAKeyHex{N: fmt.Sprintf("%X", k.N), D: fmt.Sprintf("%X", k.D)}
	case *ecdsa.PrivateKey:
		oid, ok := pki.CurveOID(k.Curve)
		if !ok {
			return fmt.Errorf("unsupported AA curve %s", k.Curve.Params().Name)
		}
		img.AAEC = &ECKeyHex{Curve: oid.String(), D: fmt.Sprintf("%X", k.D)}
	default:
		return fmt.Errorf("unsupported AA key type %T", aa)
	}
	return nil
}

// SetTrustPoints makes the chip trust these CVCA certificates for Terminal
// Authentication (most recent first), as PUT DATA 64 does; its current date
// becomes the latest of their effective dates. None removes EAC.
func (img *Image) SetTrustPoints(cvcas ...*cvc.Certificate) {
	if len(cvcas) == 0 {
		img.EAC = nil
		return
	}
	st := &EACState{}
	var date time.Time
	for _, c := range cvcas {
		st.TrustPoints = append(st.TrustPoints, append([]byte(nil), c.Raw...))
		if c.EffectiveDate.After(date) {
			date = c.EffectiveDate
		}
	}
	st.CurrentDate = date.Format(time.DateOnly)
	img.EAC = st
}

// EACCurrentDate is the chip's current date for Terminal Authentication
// (zero without EAC).
func (img *Image) EACCurrentDate() time.Time {
	if img.EAC == nil {
		return time.Time{}
	}
	d, _ := time.Parse(time.DateOnly, img.EAC.CurrentDate)
	return d
}
