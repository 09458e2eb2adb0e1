package verify

import (
	"crypto"
	"crypto/rand"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/qr"
)

// Secret is what the clerk gave to open the chip.
type Secret struct {
	// MRZ holds document number, date of birth and date of expiry.
	MRZ *chip.BACKey
	// MRZText is the full MRZ as entered (compared with DG1), if given.
	MRZText string
	// CAN is the 6-digit card access number.
	CAN string
	// QR is the card's QR payload, if the chip is opened from it; its
	// fields are compared with DG13.
	QR *qr.Payload
}

// SecretFromMRZText reads a full MRZ (TD1, TD3) as typed or scanned.
func SecretFromMRZText(text string) (Secret, error) {
	m, err := chip.ParseMRZ(text)
	if err != nil {
		return Secret{}, err
	}
	return Secret{MRZ: &chip.BACKey{DocumentNumber: m.DocumentNumber, DateOfBirth: m.DateOfBirth, DateOfExpiry: m.DateOfExpiry}, MRZText: m.String()}, nil
}

// SecretFromQR derives the chip secrets from the card's QR: the CAN (last
// six digits of the ID number, PACE) and the MRZ data (BAC, the expiry
// computed by the age-milestone rule).
func SecretFromQR(p *qr.Payload) (Secret, error) {
	a, err := p.AccessSecret()
	if err != nil {
		return Secret{}, err
	}
	s := Secret{CAN: a.CAN, QR: p}
	if a.DocumentNumber != "" && a.DateOfBirth != "" && a.DateOfExpiry != "" {
		s.MRZ = &chip.BACKey{DocumentNumber: a.DocumentNumber, DateOfBirth: a.DateOfBirth, DateOfExpiry: a.DateOfExpiry}
	}
	return s, nil
}

// Options tune a verification.
type Options struct {
	// Trust is the trust store; without one, the chain check fails.
	Trust *TrustStore
	// Now is the check time (time.Now() when zero).
	Now time.Time
	// Rand is the source of challenges and ephemeral keys (crypto/rand).
	Rand io.Reader
	// NoPACE opens with BAC even when the chip offers PACE.
	NoPACE bool
}

// ErrNoConclusion marks failures that prevent a verdict (reader, card,
// wrong secret): exit 3, never "forged".
var ErrNoConclusion = errors.New("no conclusion")

// Verify runs the inspection procedure on card. An error means nothing
// was concluded (it wraps chip.ErrAccessDenied for a wrong secret); a
// forged or tampered card gives a report whose verdict is NOT VERIFIED.
func Verify(card *apdu.Card, sec Secret, opt Options) (*Report, error) {
	rep, files, err := readCard(card, sec, opt)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := check(card, rep, files, sec, opt); err != nil {
		return nil, err
	}
	rep.Stats.ChecksMS = ms(time.Since(start))
	st := card.Stats()
	rep.Stats.APDUs, rep.Stats.BytesSent, rep.Stats.BytesReceived = st.APDUs, st.BytesSent, st.BytesReceived
	rep.finish()
	return rep, nil
}

// Read opens the chip and reads every file, without checking anything:
// for 'cccd read' and audits. Report.Raw holds the files.
func Read(card *apdu.Card, sec Secret, opt Options) (*Report, error) {
	rep, _, err := readCard(card, sec, opt)
	if err != nil {
		return nil, err
	}
	st := card.Stats()
	rep.Stats.APDUs, rep.Stats.BytesSent, rep.Stats.BytesReceived = st.APDUs, st.BytesSent, st.BytesReceived
	return rep, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// cardFiles are the files read, by data-group number (0: EF.COM, -1:
// EF.SOD).
type cardFiles struct {
	com, sod []byte
	dgs      map[int][]byte
	denied   map[int]bool
}

func readCard(card *apdu.Card, sec Secret, opt Options) (*Report, *cardFiles, error) {
	rnd := opt.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	rep := &Report{Raw: map[string][]byte{}}
	card.ResetStats()
	start := time.Now()
	res, err := chip.Open(card, chip.Access{MRZ: sec.MRZ, CAN: sec.CAN, NoPACE: opt.NoPACE}, rnd)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNoConclusion, err)
	}
	rep.Access = Access{Method: res.Method, Password: res.Password.String(), Note: res.Fallback}
	if res.CardAccessRaw != nil {
		rep.Raw["EF.CardAccess"] = res.CardAccessRaw
		rep.Files = append(rep.Files, FileInfo{Name: "EF.CardAccess", Size: len(res.CardAccessRaw)})
	}
	rep.Stats.AccessMS = ms(time.Since(start))

	start = time.Now()
	fr := chip.NewFileReader(card)
	files := &cardFiles{dgs: map[int][]byte{}, denied: map[int]bool{}}
	read := func(fid uint16) ([]byte, error) {
		b, err := fr.ReadFile(fid)
		name := chip.FileName(fid)
		switch {
		case err == nil:
			rep.Raw[name] = b
			rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b)})
		case errors.Is(err, chip.ErrFileTruncated):
			rep.Raw[name] = b
			rep.Files = append(rep.Files, FileInfo{Name: name, Size: len(b), Note: "truncated: shorter than its header says"})
			return b, nil
		case errors.Is(err, chip.ErrFileAccess):
			rep.Files = append(rep.Files, FileInfo{Name: name, Note: "access denied by the chip (needs EAC terminal authentication); skipped"})
		case errors.Is(err, apdu.ErrFileNotFound):
			rep.Files = append(rep.Files, FileInfo{Name: name, Note: "listed but not on the chip"})
		}
		return b, err
	}
	isTransport := func(err error) bool {
		var se *apdu.StatusError
		return err != nil && !errors.As(err, &se) && !errors.Is(err, chip.ErrFileAccess)
	}
	dgList := []int{1, 2, 13, 14, 15}
	if files.com, err = read(0x011E); err == nil {
		if com, perr := chip.ParseCOM(files.com); perr == nil {
			dgList = com.DataGroups()
		}
	} else if isTransport(err) {
		return nil, nil, fmt.Errorf("%w: %w", ErrNoConclusion, err)
	}
	if files.sod, err = read(0x011D); isTransport(err) {
		return nil, nil, fmt.Errorf("%w: %w", ErrNoConclusion, err)
	}
	for _, n := range dgList {
		b, err := read(chip.DGFileID(n))
		switch {
		case err == nil:
			files.dgs[n] = b
		case errors.Is(err, chip.ErrFileAccess):
			files.denied[n] = true
		case isTransport(err):
			return nil, nil, fmt.Errorf("%w: %w", ErrNoConclusion, err)
		}
	}
	rep.Stats.ReadMS = ms(time.Since(start))
	rep.Stats.ExtendedLength = fr.ExtendedLength()
	return rep, files, nil
}

// ecdsaAAHashes maps DG14 AA signature algorithms to hashes.
var ecdsaAAHashes = map[string]crypto.Hash{
	"1.2.840.10045.4.1":   crypto.SHA1,
	"1.2.840.10045.4.3.1": crypto.SHA224,
	"1.2.840.10045.4.3.2": crypto.SHA256,
	"1.2.840.10045.4.3.3": crypto.SHA384,
	"1.2.840.10045.4.3.4": crypto.SHA512,
}

func check(card *apdu.Card, rep *Report, f *cardFiles, sec Secret, opt Options) error {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	rnd := opt.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	// Parse what was read; a file that does not parse is a failed check
	// (a malformed file is no genuine card), never a panic.
	var dg1 *chip.DG1
	var dg13 *chip.DG13
	if b, ok := f.dgs[1]; ok {
		var err error
		if dg1, err = chip.ParseDG1(b); err != nil {
			rep.add("dg1.parse", Fail, "DG1 does not parse: %v", err)
		}
	} else {
		rep.add("dg1.parse", Fail, "DG1 (the MRZ) is missing")
	}
	if b, ok := f.dgs[13]; ok {
		var err error
		if dg13, err = chip.ParseDG13(b); err != nil {
			rep.add("dg13.parse", Fail, "DG13 does not parse: %v", err)
		}
	}
	if b, ok := f.dgs[2]; ok {
		if dg2, err := chip.ParseDG2(b); err != nil {
			rep.add("dg2.parse", Fail, "DG2 does not parse: %v", err)
		} else if len(dg2.Faces) > 0 && dg2.Faces[0].Record != nil && len(dg2.Faces[0].Record.Images) > 0 {
			img := dg2.Faces[0].Record.Images[0]
			rep.Photo, rep.PhotoType = img.Image, img.ImageFormat()
		}
	}

	passiveAuthentication(rep, f, dg1, opt.Trust, now)
	cloneDetection(card, rep, f, rnd)
	consistency(rep, dg1, dg13, sec, now)
	rep.Holder = holderOf(dg1, dg13)
	return nil
}

func passiveAuthentication(rep *Report, f *cardFiles, dg1 *chip.DG1, trust *TrustStore, now time.Time) {
	if f.sod == nil {
		rep.add("sod.parse", Fail, "EF.SOD could not be read: the data cannot be authenticated")
		return
	}
	sod, err := chip.ParseSOD(f.sod)
	if err != nil {
		rep.add("sod.parse", Fail, "EF.SOD does not parse: %v", err)
		return
	}
	var t chip.Trust
	if trust != nil {
		t = trust.Trust()
	}
	r := sod.Verify(f.dgs, t, now)
	for _, d := range r.DataGroups {
		name := fmt.Sprintf("dg%d.hash", d.DG)
		switch d.Status {
		case chip.DGVerified:
			rep.add(name, Pass, "DG%d matches its hash in EF.SOD", d.DG)
		case chip.DGMismatch:
			rep.add(name, Fail, "DG%d does not match its hash in EF.SOD: changed after signing", d.DG)
		case chip.DGNotRead:
			why := "not read"
			if f.denied[d.DG] {
				why = "access denied by the chip (needs EAC)"
			}
			rep.add(name, Skip, "DG%d listed in EF.SOD, %s", d.DG, why)
		case chip.DGNotInSOD:
			rep.add(name, Fail, "DG%d is on the chip but not in EF.SOD: added after signing", d.DG)
		}
	}
	one := func(name string, err error, ok string) {
		if err == nil {
			rep.add(name, Pass, "%s", ok)
		} else {
			rep.add(name, Fail, "%v", err)
		}
	}
	one("sod.content_type", r.ContentType, "content type is the LDS security object")
	one("sod.message_digest", r.MessageDigest, "message digest matches the security object")
	one("sod.signature", r.Signature, "Document Signer signature verifies")
	chainErr := r.Chain
	if trust == nil || len(trust.CSCAs) == 0 {
		chainErr = errors.New("no trusted CSCA: give --trust with the issuing country's CSCA or master list")
	}
	one("sod.chain", chainErr, "Document Signer issued by a trusted CSCA")
	one("sod.validity", r.Validity, "certificates valid at "+now.Format("2006-01-02"))
	switch {
	case r.Revocation == nil:
		rep.add("sod.revocation", Pass, "Document Signer not revoked (CRL checked)")
	case errors.Is(r.Revocation, pkiErrNoCRL):
		rep.add("sod.revocation", Warn, "no CRL of the CSCA in the trust store: revocation not checked")
	default:
		rep.add("sod.revocation", Fail, "%v", r.Revocation)
	}
	if r.DocumentSigner != nil {
		rep.Signer = &Signer{Subject: r.DocumentSigner.Subject.String(), Serial: r.DocumentSigner.SerialNumber.Text(16),
			NotBefore: r.DocumentSigner.NotBefore.Format(time.RFC3339), NotAfter: r.DocumentSigner.NotAfter.Format(time.RFC3339)}
	}
	// A CSCA may sign only for its own country (ICAO 9303-12 §5): a
	// rogue CSCA in the store must not make a VNM card genuine.
	if r.CSCA != nil && rep.Signer != nil {
		rep.Signer.CSCA = r.CSCA.Subject.String()
	}
	switch {
	case r.CSCA == nil:
		rep.add("sod.country", Skip, "no trusted CSCA found for the Document Signer")
	case dg1 == nil:
		rep.add("sod.country", Fail, "no DG1 to compare the issuing state with")
	default:
		c := ""
		if len(r.CSCA.Subject.Country) > 0 {
			c = strings.ToUpper(r.CSCA.Subject.Country[0])
		}
		if alpha2(dg1.MRZ.IssuingState) == c {
			rep.add("sod.country", Pass, "CSCA country %s matches the issuing state %s", c, dg1.MRZ.IssuingState)
		} else {
			rep.add("sod.country", Fail, "CSCA of country %q signed a document of issuing state %s", c, dg1.MRZ.IssuingState)
		}
	}
}

// cloneDetection runs Chip Authentication when DG14 offers it (it also
// upgrades the session keys), else Active Authentication with DG15.
func cloneDetection(card *apdu.Card, rep *Report, f *cardFiles, rnd io.Reader) {
	if b14, ok := f.dgs[14]; ok {
		dg14, err := chip.ParseDG14(b14)
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
			if _, ok := f.dgs[15]; ok {
				rep.add("clone.active_authentication", Skip, "chip authentication is done instead")
			}
			return
		}
	}
	activeAuthentication(card, rep, f, rnd)
}

func activeAuthentication(card *apdu.Card, rep *Report, f *cardFiles, rnd io.Reader) {
	b, ok := f.dgs[15]
	if !ok {
		rep.add("clone.active_authentication", Skip, "the chip has no DG15: it cannot prove it is not a copy")
		return
	}
	dg15, err := chip.ParseDG15(b)
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
		if dg14, err := chip.ParseDG14(b14); err == nil {
			for _, si := range dg14.Infos.Of(chip.SecurityInfoActiveAuthentication) {
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

// alpha2 maps an ICAO 9303-3 §5 issuing-state code to the ISO 3166-1
// alpha-2 code a CSCA certificate carries (ICAO 9303-12 §7.1.1): ISO
// alpha-3 through the CLDR region table, plus ICAO's own codes.
func alpha2(state string) string {
	s := strings.ToUpper(strings.Trim(state, "<"))
	switch s {
	case "D":
		return "DE"
	case "GBD", "GBN", "GBO", "GBP", "GBS":
		return "GB"
	case "UTO":
		return "UT" // ICAO's test state Utopia
	}
	if r, err := language.ParseRegion(s); err == nil && len(s) == 3 && r.IsCountry() {
		return r.String()
	}
	return s
}
