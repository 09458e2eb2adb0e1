package iso39794

import "golang.org/x/crypto/cryptobyte"

// Identity is the first part of an IdentityMetadataBlock (ISO/IEC 39794-5
// module), decoded for display; the block itself stays in
// Representation.IdentityMetadataRaw:
//
//	IdentityMetadataBlock ::= SEQUENCE {
//		gender [0] Gender OPTIONAL,
//		eyeColour [1] EyeColour OPTIONAL,
//		hairColour [2] HairColour OPTIONAL,
//		subjectHeight [3] SubjectHeight (1..65535) OPTIONAL,
//		propertiesBlock [4] ..., expressionBlock [5] ...,
//		poseAngleBlock [6] ... OPTIONAL, ... }
type Identity struct {
	Gender, EyeColour, HairColour *Code
	SubjectHeight                 *int64 // mm
}

// GenderCode values (module ID-ICAO-ISO-IEC-39794-5-ed-1-v1).
const (
	GenderOther  = 1
	GenderMale   = 2
	GenderFemale = 3
)

// Identity decodes the gender, colours and height of the representation's
// IdentityMetadataBlock; nil without one.
func (p *Representation) Identity() (*Identity, error) {
	if p.IdentityMetadataRaw == nil {
		return nil, nil
	}
	r := newReader(cryptobyte.String(p.IdentityMetadataRaw), "identityMetadataBlock")
	id := &Identity{}
	var err error
	if id.Gender, err = r.optCode(0, "gender"); err != nil {
		return nil, err
	}
	if id.EyeColour, err = r.optCode(1, "eyeColour"); err != nil {
		return nil, err
	}
	if id.HairColour, err = r.optCode(2, "hairColour"); err != nil {
		return nil, err
	}
	if id.SubjectHeight, err = r.optRange(3, "subjectHeight", 1, 65535); err != nil {
		return nil, err
	}
	return id, nil
}
