package verify

import (
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/qr"
)

// Input is what the clerk gave besides the card: the secret that opens the
// chip and, when given, the full MRZ as typed or scanned (compared with
// DG1) and the card's QR payload (compared with DG13).
type Input struct {
	Secret lds.Secret
	// MRZ is the full MRZ as entered, if it was.
	MRZ *lds.MRZ
	// QR is the card's QR payload, if the chip is opened from it.
	QR *qr.Payload
	// AAChallenge and AASignature are an Active Authentication
	// transcript for an offline inspection: the challenge the verifier
	// chose and the chip's INTERNAL AUTHENTICATE answer to it.
	AAChallenge, AASignature []byte
}

// InputFromMRZText reads a full MRZ (TD1, TD3) as typed or scanned.
func InputFromMRZText(text string) (Input, error) {
	m, err := lds.ParseMRZ(text)
	if err != nil {
		return Input{}, err
	}
	return Input{Secret: lds.Secret{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry}, MRZ: m}, nil
}

// InputFromQR derives the chip secret from the card's QR: the CAN (PACE)
// and the MRZ fields (BAC, the expiry computed by the age-milestone rule).
func InputFromQR(p *qr.Payload) (Input, error) {
	s, err := p.Secret()
	if err != nil {
		return Input{}, err
	}
	return Input{Secret: s, QR: p}, nil
}
