package testcards

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
)

// Card image format. A card is one JSON file, so that QA can read and
// diff it; it holds the card's files, secrets (test keys only), life cycle
// and fault configuration. It is rewritten atomically (temp file, fsync,
// rename) when a change matters — the end of a run of personalization
// commands, LOCK, a tear, power-off and close — so a killed emulator
// leaves either the old or the new image, never a torn one.
//
//	{
//	  "format": "cccd-card-image", "version": 1,
//	  "profile": "cccd" | "icao",
//	  "locked": false,
//	  "max_response": 0,            // plain bytes per READ BINARY; 0 = 65536
//	  "extended_length": true,      // accepts extended-length APDUs
//	  "files": [{"fid": "011E", "mf": false, "size": 22, "data": "<base64>"}],
//	  "secret": {"document_number": "...", "date_of_birth": "YYMMDD", "date_of_expiry": "YYMMDD", "can": "123456"},
//	  "aa_rsa": {"n": "<hex>", "d": "<hex>"}, "aa_ec": {"curve": "1.2.840.10045.3.1.7", "d": "<hex>"},
//	  "ca": {"key_id": 1, "curve": "...", "d": "<hex>"},
//	  "eac": {"trust_points": ["<base64 CV certificate>"], "current_date": "YYYY-MM-DD"},
//	  "faults": {...}
//	}
const (
	imageFormat  = "cccd-card-image"
	imageVersion = 2
)

// Profile names the behaviour the emulated chip mimics.
type Profile string

const (
	// ProfileCCCD reproduces the reported quirks of the Vietnamese CCCD
	// chip: SELECT of the master file answers 6D00, DG3/DG4 answer 6982.
	ProfileCCCD Profile = "cccd"
	// ProfileICAO is a plain ICAO 9303 chip.
	ProfileICAO Profile = "icao"
)

// Image is the persistent state of an emulated card.
type Image struct {
	Format         string     `json:"format"`
	Version        int        `json:"version"`
	Profile        Profile    `json:"profile"`
	Locked         bool       `json:"locked"`
	MaxResponse    int        `json:"max_response,omitempty"`
	ExtendedLength bool       `json:"extended_length"`
	Files          []*File    `json:"files"`
	Secret         lds.Secret `json:"secret"`
	AARSA          *RSAKeyHex `json:"aa_rsa,omitempty"`
	AAEC           *ECKeyHex  `json:"aa_ec,omitempty"`
	CA             *CAKeyHex  `json:"ca,omitempty"`
	EAC            *EACState  `json:"eac,omitempty"`
	Faults         Faults     `json:"faults"`
	Counters       Counters   `json:"counters"`
}

// File is one elementary file: its identifier, whether it lives in the
// master file (readable before access control) and its content. Size is
// the size given at CREATE FILE; Data may be shorter while it is written.
type File struct {
	FID  string `json:"fid"`
	MF   bool   `json:"mf,omitempty"`
	Size int    `json:"size"`
	Data []byte `json:"data"`
}

// RSAKeyHex is an RSA Active Authentication key (PUT DATA 60/61).
type RSAKeyHex struct {
	N string `json:"n"`
	D string `json:"d"`
}

// ECKeyHex is an EC private key on a named curve (PUT DATA 66).
type ECKeyHex struct {
	Curve string `json:"curve"`
	D     string `json:"d"`
}

// CAKeyHex is the Chip Authentication key (PUT DATA 67).
type CAKeyHex struct {
	KeyID int    `json:"key_id"`
	Curve string `json:"curve"`
	D     string `json:"d"`
}

// EACState is what the chip keeps for Terminal Authentication (PUT DATA
// 64, then updated by the chip itself): its CVCA trust points, most recent
// first, and its current date — the latest effective date of the
// certificates it accepted (BSI TR-03110 part 3 §2.5).
type EACState struct {
	TrustPoints [][]byte `json:"trust_points"`
	CurrentDate string   `json:"current_date"` // YYYY-MM-DD
}

// trustPoints parses the trust points and the current date.
func (s *EACState) parse() ([]*cvc.Certificate, time.Time, error) {
	var tps []*cvc.Certificate
	for i, b := range s.TrustPoints {
		c, err := cvc.ParseCertificate(b)
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("card image: eac.trust_points[%d]: %w", i, err)
		}
		if c.Role() != cvc.RoleCVCA {
			return nil, time.Time{}, fmt.Errorf("card image: eac.trust_points[%d] (%s) is a %s certificate, not a CVCA", i, c.CHR, c.Role())
		}
		tps = append(tps, c)
	}
	if len(tps) == 0 || len(tps) > chip.MaxTrustPoints {
		return nil, time.Time{}, fmt.Errorf("card image: eac holds %d trust points, 1 to %d allowed", len(tps), chip.MaxTrustPoints)
	}
	d, err := time.Parse(time.DateOnly, s.CurrentDate)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("card image: eac.current_date %q is not YYYY-MM-DD", s.CurrentDate)
	}
	return tps, d, nil
}

// Counters are kept for QA: how often the card was used.
type Counters struct {
	PowerOns int `json:"power_ons"`
	Sessions int `json:"sessions"`
	Writes   int `json:"writes"`
}

// NewBlankImage returns an unpersonalized card.
func NewBlankImage(p Profile) *Image {
	return &Image{Format: imageFormat, Version: imageVersion, Profile: p, ExtendedLength: true}
}

// LoadImage reads a card image.
func LoadImage(path string) (*Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	img, err := ParseImage(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// maxFileSize is the largest file an image may hold: what odd-INS
// addressing with a 3-byte offset reaches is far more than any LDS file.
const maxFileSize = 1 << 20

// ParseImage reads a card image and checks that the emulator can run it:
// file identifiers, sizes, the profile and the faults. Errors name the
// field at fault.
func ParseImage(b []byte) (*Image, error) {
	var img Image
	if err := json.Unmarshal(b, &img); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotCardImage, err)
	}
	if img.Format != imageFormat {
		return nil, fmt.Errorf("%w (format %q)", ErrNotCardImage, img.Format)
	}
	switch img.Version {
	case imageVersion:
	case 1:
		// Version 1 kept the MRZ fields ("bac") and the CAN apart.
		var v1 struct {
			BAC *lds.Secret `json:"bac"`
			CAN string      `json:"can"`
		}
		if err := json.Unmarshal(b, &v1); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotCardImage, err)
		}
		if v1.BAC != nil {
			img.Secret = v1.BAC.MRZOnly()
		}
		img.Secret.CAN, img.Version = v1.CAN, imageVersion
	default:
		return nil, fmt.Errorf("card image version %d: this cccd reads versions 1 and %d", img.Version, imageVersion)
	}
	switch img.Profile {
	case "":
		img.Profile = ProfileCCCD
	case ProfileCCCD, ProfileICAO:
	default:
		return nil, fmt.Errorf("card image: profile %q is neither %q nor %q", img.Profile, ProfileCCCD, ProfileICAO)
	}
	if img.MaxResponse < 0 {
		return nil, errors.New("card image: max_response is negative")
	}
	seen := map[string]bool{}
	for i, f := range img.Files {
		if f == nil {
			return nil, fmt.Errorf("card image: files[%d] is null", i)
		}
		v, err := strconv.ParseUint(f.FID, 16, 16)
		if err != nil || len(f.FID) != 4 {
			return nil, fmt.Errorf("card image: files[%d].fid %q is not 4 hex digits", i, f.FID)
		}
		f.FID = fmt.Sprintf("%04X", v)
		if seen[f.FID] {
			return nil, fmt.Errorf("card image: file %s appears twice", f.FID)
		}
		seen[f.FID] = true
		if f.Size < 0 || f.Size > maxFileSize || len(f.Data) > f.Size {
			return nil, fmt.Errorf("card image: file %s: size %d does not hold its %d bytes (at most %d)", f.FID, f.Size, len(f.Data), maxFileSize)
		}
	}
	if img.EAC != nil {
		if _, _, err := img.EAC.parse(); err != nil {
			return nil, err
		}
	}
	ft := img.Faults
	if ft.TearAfter < 0 || ft.HangAfter < 0 || ft.DelayMS < 0 || ft.DelayMS > 60000 {
		return nil, errors.New("card image: faults: tear_after, hang_after must be ≥ 0 and delay_ms within 0..60000")
	}
	return &img, nil
}

// Save writes the image atomically with mode 0600 (it holds test keys).
func (img *Image) Save(path string) error {
	_, err := img.save(path)
	return err
}

// save writes the image — a temporary file, fsync, rename, fsync of the
// directory, so that after a crash or a power cut the image is the old one
// or the new one, never a torn one — and returns the bytes written.
func (img *Image) save(path string) (int64, error) {
	b, err := json.MarshalIndent(img, "", " ")
	if err != nil {
		return 0, err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return 0, err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return int64(len(b) + 1), nil
}

// file finds a file by identifier.
func (img *Image) file(fid uint16) *File {
	want := fmt.Sprintf("%04X", fid)
	for _, f := range img.Files {
		if f.FID == want {
			return f
		}
	}
	return nil
}

// SetFile stores a file (for fixtures and fault injection), bypassing the
// life cycle.
func (img *Image) SetFile(fid uint16, mf bool, data []byte) {
	if f := img.file(fid); f != nil {
		f.Data, f.Size, f.MF = append([]byte(nil), data...), len(data), mf
		return
	}
	img.Files = append(img.Files, &File{FID: fmt.Sprintf("%04X", fid), MF: mf, Size: len(data), Data: append([]byte(nil), data...)})
}

// FileData returns a file's content, or nil.
func (img *Image) FileData(fid uint16) []byte {
	if f := img.file(fid); f != nil {
		return f.Data
	}
	return nil
}

// ErrNotCardImage is returned for files that are not card images.
var ErrNotCardImage = errors.New("not a card image")
