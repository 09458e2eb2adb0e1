package lds

import (
	"bytes"
	"crypto"
	_ "crypto/sha1"
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/pki"
)

var sodNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var (
	sodPKIMu    sync.Mutex
	sodPKICache = map[string]*pki.TestPKI{}
)

// sodTestPKI returns a cached test PKI for an algorithm.
func sodTestPKI(t testing.TB, alg string) *pki.TestPKI {
	t.Helper()
	sodPKIMu.Lock()
	defer sodPKIMu.Unlock()
	if p, ok := sodPKICache[alg]; ok {
		return p
	}
	p, err := pki.NewTestPKI(alg, sodNow.AddDate(0, -1, 0))
	if err != nil {
		t.Fatal(err)
	}
	sodPKICache[alg] = p
	return p
}

// sodTestDGs builds a realistic CCCD data-group set.
func sodTestDGs(t testing.TB, photoSize int) map[int][]byte {
	t.Helper()
	photo := append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x42}, photoSize-4)...)
	return sodEncodeDGs(t, photo, ldsUnhex(t, loadLDSVectors(t).AA.DG15))
}

// sodEncodeDGs encodes DG1, DG2, DG13, DG14 from citizen data and a photo.
func sodEncodeDGs(t testing.TB, photo, dg15 []byte) map[int][]byte {
	m, err := NewCCCDMRZ(CCCDHolder{IDNumber: "001099012345", FullName: "Nguyễn Văn A", Sex: "M",
		DateOfBirth: time.Date(1999, 5, 18, 0, 0, 0, 0, time.UTC), DateOfExpiry: time.Date(2024, 5, 18, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	dg1, _ := (&DG1{MRZ: m}).Encode()
	fi, _ := NewFaceImage(photo, 480, 640, GenderMale)
	dg2, _ := (&DG2{Faces: []FaceTemplate{NewFaceTemplate(&FaceRecord{Images: []FaceImage{*fi}})}}).Encode()
	dg13, _ := ldsSampleDG13().Encode()
	dg14, _ := (&DG14{Infos: mustSecurityInfos(t, ldsCCCDCardAccess)}).Encode()
	return map[int][]byte{1: dg1, 2: dg2, 13: dg13, 14: dg14, 15: dg15}
}

func mustSecurityInfos(t testing.TB, h string) SecurityInfos {
	ss, err := ParseSecurityInfos(ldsUnhex(t, h))
	if err != nil {
		t.Fatal(err)
	}
	return ss
}

func sodTrust(p *pki.TestPKI) Trust {
	return Trust{CSCAs: []*pki.Certificate{p.CSCA}, CRLs: []*pki.CRL{p.CRL}}
}

func TestLDSSecurityObjectBSI2008(t *testing.T) {
	v := loadLDSVectors(t)
	b := ldsUnhex(t, v.SOD.LDSSecurityObjectHex)
	o, err := ParseLDSSecurityObject(b)
	if err != nil {
		t.Fatal(err)
	}
	if o.Version != 0 || o.HashAlgorithm != crypto.SHA1 || !o.HashNullParams || len(o.DataGroupHashes) != 4 {
		t.Fatalf("%+v", o)
	}
	if hex.EncodeToString(o.Hash(14)) != strings.ToLower("0C023A95B0D3C7F70C4B05E21F57AF03992B3EE4") {
		t.Errorf("DG14 hash %x", o.Hash(14))
	}
	out, err := o.Encode()
	if err != nil || !bytes.Equal(out, b) {
		t.Fatalf("round trip: %v", err)
	}
	// Version 1 with LDSVersionInfo round-trips too.
	o.Version, o.LDSVersion, o.UnicodeVersion = 1, "0108", "040000"
	b1, err := o.Encode()
	if err != nil {
		t.Fatal(err)
	}
	o1, err := ParseLDSSecurityObject(b1)
	if err != nil || o1.LDSVersion != "0108" || o1.UnicodeVersion != "040000" {
		t.Fatalf("v1: %+v %v", o1, err)
	}
	// MD5 is refused with a typed error.
	md5 := bytes.Replace(b, []byte{0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A}, []byte{0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x19}, 1)
	var ua *SODAlgorithmError
	if _, err := ParseLDSSecurityObject(md5); !errors.As(err, &ua) {
		t.Errorf("unknown hash: %v", err)
	}
}

// TestSODLikeBSI2008 builds an SOD with the structure of the bsi2008
// sample (SHA-1 hashes, ecdsa-with-SHA1, SignerInfo v1, content-type and
// message-digest attributes) and checks that it parses to the same
// security object.
func TestSODLikeBSI2008(t *testing.T) {
	v := loadLDSVectors(t)
	obj, _ := ParseLDSSecurityObject(ldsUnhex(t, v.SOD.LDSSecurityObjectHex))
	p := sodTestPKI(t, "ecdsa-p256")
	sod, err := SignSOD(obj, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, Hash: crypto.SHA1, SigningTime: sodNow})
	if err != nil {
		t.Fatal(err)
	}
	h := strings.ToUpper(hex.EncodeToString(sod))
	for _, want := range []string{
		"06092A864886F70D010702",                       // id-signedData
		"020103310B300906052B0E03021A",                 // version 3, digestAlgorithms {sha1}
		"0606678108010101",                             // eContentType 2.23.136.1.1.1
		"06072A8648CE3D0401",                           // ecdsa-with-SHA1
		"0414111CB0211C65B480C369EE7059636C4C1D93B573", // message digest as in the sample
	} {
		if !strings.Contains(h, want) {
			t.Errorf("SOD lacks %s", want)
		}
	}
	if v.SOD.MessageDigest != "111CB0211C65B480C369EE7059636C4C1D93B573" {
		t.Fatal("vector changed")
	}
	s, err := ParseSOD(sod)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := s.Object.Encode()
	if !bytes.Equal(out, ldsUnhex(t, v.SOD.LDSSecurityObjectHex)) || s.SignerInfoVersion() != 1 {
		t.Error("security object differs")
	}
	if tm, ok := s.SigningTime(); !ok || !tm.Equal(sodNow) {
		t.Errorf("signing time %v", tm)
	}
	r := s.Verify(nil, sodTrust(p), sodNow)
	if r.MessageDigest != nil || r.Signature != nil || r.Chain != nil || r.ContentType != nil {
		t.Errorf("report %+v", r)
	}
	for _, d := range r.DataGroups {
		if d.Status != DGNotRead {
			t.Errorf("DG%d %v", d.DG, d.Status)
		}
	}
}

var sodAlgs = []struct {
	alg  string
	hash crypto.Hash
	pss  bool
}{
	{"ecdsa-p256", crypto.SHA256, false},
	{"ecdsa-p384", crypto.SHA384, false},
	{"ecdsa-p521", crypto.SHA512, false},
	{"rsa-2048", crypto.SHA256, false},
	{"rsa-pss-2048", crypto.SHA256, true},
	{"ecdsa-brainpool256", crypto.SHA256, false},
	{"ecdsa-brainpool384", crypto.SHA384, false},
	{"ecdsa-brainpool512", crypto.SHA512, false},
}

func TestSODSignVerifyAndTamper(t *testing.T) {
	dgs := sodTestDGs(t, 20000)
	for _, a := range sodAlgs {
		for _, dgHash := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			for _, v3 := range []bool{false, true} {
				if dgHash != a.hash && v3 {
					continue
				}
				name := a.alg + "/" + dgHash.String()
				if v3 {
					name += "/v3"
				}
				t.Run(name, func(t *testing.T) {
					p := sodTestPKI(t, a.alg)
					files, err := BuildLDS(dgs, dgHash)
					if err != nil {
						t.Fatal(err)
					}
					sod, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, Hash: a.hash, PSS: a.pss, SubjectKeyID: v3, SigningTime: sodNow})
					if err != nil {
						t.Fatal(err)
					}
					s, err := ParseSOD(sod)
					if err != nil {
						t.Fatal(err)
					}
					if v3 && s.SignerInfoVersion() != 3 || !v3 && s.SignerInfoVersion() != 1 {
						t.Errorf("SignerInfo version %d", s.SignerInfoVersion())
					}
					r := s.Verify(dgs, sodTrust(p), sodNow)
					if err := r.Err(); err != nil {
						t.Fatalf("genuine SOD: %v", err)
					}
					if r.CSCA == nil || !r.CSCA.Equal(p.CSCA) || len(r.DataGroups) != 5 {
						t.Fatalf("report %+v", r)
					}
					if out, _ := s.Encode(); !bytes.Equal(out, sod) {
						t.Error("Encode differs from the signed bytes")
					}
				})
			}
		}
	}
}

func TestSODNegative(t *testing.T) {
	p := sodTestPKI(t, "ecdsa-p256")
	dgs := sodTestDGs(t, 2000)
	files, _ := BuildLDS(dgs, crypto.SHA256)
	sod, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, SigningTime: sodNow})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ParseSOD(sod)

	t.Run("flipped byte names the DG", func(t *testing.T) {
		for n := range dgs {
			bad := map[int][]byte{}
			for k, v := range dgs {
				bad[k] = v
			}
			f := append([]byte{}, dgs[n]...)
			f[len(f)/2] ^= 0x01
			bad[n] = f
			r := s.Verify(bad, sodTrust(p), sodNow)
			var he *DGHashError
			if err := r.Err(); !errors.As(err, &he) || he.DG != n || !errors.Is(err, ErrDGHashMismatch) {
				t.Fatalf("DG%d flipped: %v", n, err)
			}
			for _, d := range r.DataGroups {
				if (d.DG == n) != (d.Status == DGMismatch) {
					t.Errorf("DG%d status %v", d.DG, d.Status)
				}
			}
			if r.Signature != nil || r.Chain != nil {
				t.Errorf("other checks failed too: %+v", r)
			}
		}
	})
	t.Run("extra DG not in SOD", func(t *testing.T) {
		bad := map[int][]byte{1: dgs[1], 11: {0x6B, 0x00}}
		if err := s.Verify(bad, sodTrust(p), sodNow).Err(); !errors.Is(err, ErrDGNotInSOD) {
			t.Errorf("%v", err)
		}
	})
	t.Run("altered security object", func(t *testing.T) {
		// Change one byte of the DG1 hash inside eContent: the
		// message-digest check fails, the signature (over the
		// attributes) still verifies.
		h1 := files.SecurityObject.Hash(1)
		i := bytes.Index(sod, h1)
		bad := append([]byte{}, sod...)
		bad[i] ^= 0xFF
		s2, err := ParseSOD(bad)
		if err != nil {
			t.Fatal(err)
		}
		r := s2.Verify(dgs, sodTrust(p), sodNow)
		if !errors.Is(r.MessageDigest, ErrMessageDigestMismatch) || r.Signature != nil {
			t.Errorf("md %v sig %v", r.MessageDigest, r.Signature)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		bad := append([]byte{}, sod...)
		bad[len(bad)-5] ^= 0x01 // inside the ECDSA signature
		s2, err := ParseSOD(bad)
		if err != nil {
			t.Fatal(err)
		}
		if r := s2.Verify(dgs, sodTrust(p), sodNow); !errors.Is(r.Signature, ErrSODSignature) || r.MessageDigest != nil {
			t.Errorf("sig %v", r.Signature)
		}
	})
	t.Run("unsupported signature algorithm", func(t *testing.T) {
		oid := []byte{0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02}
		i := bytes.LastIndex(sod, oid)
		bad := append([]byte{}, sod...)
		bad[i+len(oid)-1] = 0x09
		s2, err := ParseSOD(bad)
		if err != nil {
			t.Fatal(err)
		}
		var ua *SODAlgorithmError
		if r := s2.Verify(dgs, sodTrust(p), sodNow); !errors.As(r.Signature, &ua) {
			t.Errorf("sig %v", r.Signature)
		}
	})
	t.Run("DS from another CSCA", func(t *testing.T) {
		other := sodTestPKI(t, "ecdsa-p384")
		r := s.Verify(dgs, sodTrust(other), sodNow)
		if !errors.Is(r.Chain, pki.ErrNoTrustedIssuer) || r.Signature != nil {
			t.Errorf("chain %v", r.Chain)
		}
	})
	t.Run("wrong DS key", func(t *testing.T) {
		// Signed with another key but carrying this DS certificate.
		other := sodTestPKI(t, "ecdsa-p384")
		bad, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: other.DSKey, Hash: crypto.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		s2, _ := ParseSOD(bad)
		if r := s2.Verify(dgs, sodTrust(p), sodNow); !errors.Is(r.Signature, ErrSODSignature) {
			t.Errorf("sig %v", r.Signature)
		}
	})
	t.Run("expired DS", func(t *testing.T) {
		r := s.Verify(dgs, sodTrust(p), sodNow.AddDate(11, 0, 0))
		var ve *pki.ValidityError
		if !errors.As(r.Validity, &ve) || r.Chain != nil {
			t.Errorf("validity %v", r.Validity)
		}
	})
	t.Run("revoked DS", func(t *testing.T) {
		crlDER, err := pki.CreateCRL(p.CSCA, p.CSCAKey, []pki.RevokedCertificate{{SerialNumber: new(big.Int).Set(p.DS.SerialNumber), RevocationTime: sodNow.AddDate(0, 0, -1)}},
			big.NewInt(2), sodNow.AddDate(0, 0, -1), sodNow.AddDate(0, 1, 0), p.Params)
		if err != nil {
			t.Fatal(err)
		}
		crl, _ := pki.ParseCRL(crlDER)
		r := s.Verify(dgs, Trust{CSCAs: []*pki.Certificate{p.CSCA}, CRLs: []*pki.CRL{crl}}, sodNow)
		var re *pki.RevokedError
		if !errors.As(r.Revocation, &re) || !errors.As(r.Err(), &re) {
			t.Errorf("revocation %v", r.Revocation)
		}
		// No CRL: unknown, not a failure.
		r = s.Verify(dgs, Trust{CSCAs: []*pki.Certificate{p.CSCA}}, sodNow)
		if !errors.Is(r.Revocation, pki.ErrNoCRL) || r.Err() != nil {
			t.Errorf("no CRL: %v / %v", r.Revocation, r.Err())
		}
	})
	t.Run("parse errors", func(t *testing.T) {
		for name, b := range map[string][]byte{
			"empty": nil, "wrong tag": append([]byte{0x78}, sod[1:]...), "truncated": sod[:len(sod)-3],
			"not signedData": {0x77, 0x0D, 0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x01},
		} {
			if _, err := ParseSOD(b); err == nil {
				t.Errorf("%s accepted", name)
			}
		}
		other := bytes.Replace(sod, []byte{0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x01}, []byte{0x06, 0x06, 0x67, 0x81, 0x08, 0x01, 0x01, 0x02}, 1)
		if _, err := ParseSOD(other); err == nil {
			t.Error("master-list content type accepted as SOD")
		}
	})
}

// --- openssl interop -------------------------------------------------

func sodOpenSSL(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func sodWritePKI(t *testing.T, p *pki.TestPKI) (dir string) {
	dir = t.TempDir()
	if _, err := pki.WriteTestPKI(p, dir, true); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sodUnwrap strips the 77 tag to get the CMS ContentInfo.
func sodUnwrap(t *testing.T, b []byte) []byte {
	v, err := ldsUnwrap(b, 0x77, "EF.SOD")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSODOpenSSLVerifiesOurs(t *testing.T) {
	dgs := sodTestDGs(t, 3000)
	for _, a := range sodAlgs {
		for _, v3 := range []bool{false, true} {
			t.Run(a.alg+map[bool]string{false: "/v1", true: "/v3"}[v3], func(t *testing.T) {
				p := sodTestPKI(t, a.alg)
				dir := sodWritePKI(t, p)
				files, _ := BuildLDS(dgs, a.hash)
				sod, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, PSS: a.pss, SubjectKeyID: v3})
				if err != nil {
					t.Fatal(err)
				}
				in := filepath.Join(dir, "sod.p7")
				os.WriteFile(in, sodUnwrap(t, sod), 0o644)
				out := filepath.Join(dir, "content")
				msg := sodOpenSSL(t, "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", filepath.Join(dir, pki.FileCSCACert), "-purpose", "any", "-out", out)
				if !strings.Contains(string(msg), "Verification successful") {
					t.Fatalf("%s", msg)
				}
				got, _ := os.ReadFile(out)
				want, _ := files.SecurityObject.Encode()
				if !bytes.Equal(got, want) {
					t.Error("openssl extracted other content")
				}
				info := sodOpenSSL(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", in, "-noout")
				if !strings.Contains(string(info), "2.23.136.1.1.1") || !strings.Contains(string(info), "signingTime") {
					t.Errorf("openssl print lacks the ICAO content type or signing time")
				}
			})
		}
	}
}

func TestSODWeVerifyOpenSSL(t *testing.T) {
	dgs := sodTestDGs(t, 3000)
	cases := []struct {
		alg   string
		extra []string
		md    string
	}{
		{"ecdsa-p256", nil, "sha256"},
		{"ecdsa-p384", []string{"-stream"}, "sha384"}, // BER, indefinite lengths
		{"rsa-2048", nil, "sha256"},                   // rsaEncryption as the signature OID
		{"rsa-2048", []string{"-keyid"}, "sha512"},    // SignerInfo v3
		{"rsa-pss-2048", []string{"-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:digest"}, "sha256"},
		{"rsa-2048", []string{"-keyopt", "rsa_padding_mode:pss"}, "sha384"}, // PSS, max salt
		{"ecdsa-brainpool256", nil, "sha256"},
		{"ecdsa-brainpool512", []string{"-stream"}, "sha512"},
	}
	for _, c := range cases {
		t.Run(c.alg+"/"+c.md+strings.Join(c.extra, ""), func(t *testing.T) {
			p := sodTestPKI(t, c.alg)
			dir := sodWritePKI(t, p)
			h := map[string]crypto.Hash{"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}[c.md]
			files, _ := BuildLDS(dgs, h)
			content, _ := files.SecurityObject.Encode()
			in := filepath.Join(dir, "lds.der")
			os.WriteFile(in, content, 0o644)
			out := filepath.Join(dir, "sod.p7")
			args := []string{"cms", "-sign", "-nodetach", "-binary", "-in", in, "-signer", filepath.Join(dir, pki.FileDSCert),
				"-inkey", filepath.Join(dir, pki.FileDSKey), "-econtent_type", "2.23.136.1.1.1", "-md", c.md, "-outform", "DER", "-out", out}
			args = append(args, c.extra...)
			sodOpenSSL(t, args...)
			ci, _ := os.ReadFile(out)
			// EF.SOD wraps the ContentInfo in tag 77; BER content keeps
			// its indefinite length inside a definite outer length.
			sod := ldsAppendTLV(nil, 0x77, ci)
			if c.extra != nil && c.extra[0] == "-stream" {
				if !bytes.Contains(ci[:8], []byte{0x80}) {
					t.Error("expected BER with indefinite lengths")
				}
				// Also with an indefinite-length 77 around it.
				ber := append(append([]byte{0x77, 0x80}, ci...), 0, 0)
				if s, err := ParseSOD(ber); err != nil || s.Verify(dgs, sodTrust(p), time.Now()).Err() != nil {
					t.Errorf("indefinite 77: %v", err)
				}
			}
			s, err := ParseSOD(sod)
			if err != nil {
				t.Fatal(err)
			}
			r := s.Verify(dgs, sodTrust(p), time.Now())
			if err := r.Err(); err != nil {
				t.Fatalf("openssl SOD: %v", err)
			}
			if r.DocumentSigner == nil || !r.DocumentSigner.Equal(p.DS) {
				t.Error("DS not found")
			}
		})
	}
}

func FuzzParseSOD(f *testing.F) {
	p := sodTestPKI(f, "ecdsa-p256")
	files, _ := BuildLDS(map[int][]byte{1: {0x61, 0x00}, 2: {0x75, 0x00}}, crypto.SHA256)
	sod, _ := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, SigningTime: sodNow})
	f.Add(sod)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSOD(b)
		if err != nil {
			return
		}
		r := s.Verify(map[int][]byte{1: {0x61, 0x00}}, sodTrust(p), sodNow)
		_ = r.Err()
	})
}

func FuzzParseLDSSecurityObject(f *testing.F) {
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	o, _ := NewLDSSecurityObject(map[int][]byte{1: {1}, 2: {2}}, crypto.SHA256)
	b, _ := o.Encode()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseLDSSecurityObject(b)
		if err != nil {
			return
		}
		out, err := o.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseLDSSecurityObject(out); err != nil {
			t.Fatal(err)
		}
	})
}
