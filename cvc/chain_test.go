package cvc

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/internal/brainpool"
)

// The chip's day in these tests.
var testNow = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func testCurves() []elliptic.Curve { return []elliptic.Curve{brainpool.P256r1(), elliptic.P256()} }

// forCurves runs f on brainpoolP256r1 and NIST P-256.
func forCurves(t *testing.T, f func(t *testing.T, curve elliptic.Curve)) {
	for _, c := range testCurves() {
		t.Run(c.Params().Name, func(t *testing.T) { f(t, c) })
	}
}

func mustChain(t *testing.T, curve elliptic.Curve, country string, opts ...ChainOption) *Chain {
	t.Helper()
	ch, err := NewTestChain(curve, country, testNow, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// issue makes a certificate from a template signed by key under alg.
func issue(t *testing.T, tmpl Certificate, key *ecdsa.PrivateKey, alg Algorithm) *Certificate {
	t.Helper()
	c, err := CreateCertificate(rand.Reader, &tmpl, key, alg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newKey(t *testing.T, curve elliptic.Curve) (*ecdsa.PrivateKey, PublicKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := NewPublicKey(ECDSAAlgorithmFor(curve.Params().BitSize), &k.PublicKey, false)
	if err != nil {
		t.Fatal(err)
	}
	return k, *pk
}

// wantChainError checks err is a *ChainError for certificate index with
// the sentinel want.
func wantChainError(t *testing.T, err error, index int, want error) *ChainError {
	t.Helper()
	var ce *ChainError
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T), want a *ChainError", err, err)
	}
	if !errors.Is(err, want) || ce.Index != index {
		t.Fatalf("error %v at index %d, want %v at %d", err, ce.Index, want, index)
	}
	return ce
}

func TestValidateChain(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		ch := mustChain(t, curve, "VN")
		// A chip personalized 100 days ago.
		res, err := ValidateChain(ch.CVCA, testNow.AddDate(0, 0, -100), ch.Certificates(), ValidateOptions{Require: ReadDG3})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rights != ReadDG3|ReadDG4 || res.Authorization.Role() != RoleTerminal || !res.Authorization.IsInspectionSystem() {
			t.Errorf("effective authorization %s", res.Authorization)
		}
		if !res.CurrentDate.Equal(Day(testNow)) || !res.Accurate {
			t.Errorf("current date %s, accurate %v", res.CurrentDate, res.Accurate)
		}
		if res.Terminal != ch.IS || res.TrustPoint != ch.CVCA || res.Algorithm != ECDSASHA256 {
			t.Errorf("result %+v", res)
		}
		pub := res.PublicKey.(*ecdsa.PublicKey)
		if !pub.Equal(ch.ISKey.Public()) || pub.Curve != curve {
			t.Errorf("terminal key on %s", pub.Curve.Params().Name)
		}
		if c, err := res.DomainParams.Curve(); err != nil || c != curve {
			t.Errorf("domain parameters %v %v", c, err)
		}
		// The key signs EXTERNAL AUTHENTICATE.
		id, r, comp := []byte("L898902C<3"), []byte{1, 2, 3, 4, 5, 6, 7, 8}, make([]byte, 32)
		sig, err := SignTA(ch.ISKey, ch.IS.PublicKey.Algorithm, id, r, comp, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyTA(res.PublicKey, res.Algorithm, id, r, comp, nil, sig); err != nil {
			t.Error(err)
		}
		// A chip whose date is ahead keeps it.
		later := testNow.AddDate(0, 0, 10)
		if res, err := ValidateChain(ch.CVCA, later, ch.Certificates(), ValidateOptions{}); err != nil || !res.CurrentDate.Equal(Day(later)) {
			t.Errorf("current date %v, %v", res, err)
		}
	})
}

func TestValidateChainNegative(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		alg := ECDSAAlgorithmFor(curve.Params().BitSize)
		ch := mustChain(t, curve, "VN")
		day := Day(testNow)

		t.Run("unknown trust point", func(t *testing.T) {
			other := mustChain(t, curve, "DE")
			_, err := ValidateChain(other.CVCA, testNow, ch.Certificates(), ValidateOptions{})
			ce := wantChainError(t, err, 0, ErrUnknownCAR)
			if ce.CHR != "VNDV00001" {
				t.Errorf("names %q", ce.CHR)
			}
		})
		t.Run("wrong CVCA key, same name", func(t *testing.T) {
			other := mustChain(t, curve, "VN")
			_, err := ValidateChain(other.CVCA, testNow, ch.Certificates(), ValidateOptions{})
			wantChainError(t, err, 0, ErrBadSignature)
		})
		t.Run("expired IS", func(t *testing.T) {
			exp := mustChain(t, curve, "VN", WithExpiredIS())
			_, err := ValidateChain(exp.CVCA, testNow, exp.Certificates(), ValidateOptions{})
			wantChainError(t, err, 1, ErrExpired)
		})
		t.Run("valid through the expiration day", func(t *testing.T) {
			if _, err := ValidateChain(ch.CVCA, ch.IS.ExpirationDate.Add(23*time.Hour), ch.Certificates(), ValidateOptions{}); err != nil {
				t.Errorf("on the expiration day: %v", err)
			}
			_, err := ValidateChain(ch.CVCA, ch.IS.ExpirationDate.AddDate(0, 0, 1), ch.Certificates(), ValidateOptions{})
			wantChainError(t, err, 1, ErrExpired)
		})
		t.Run("expired DV", func(t *testing.T) {
			_, err := ValidateChain(ch.CVCA, ch.DV.ExpirationDate.AddDate(0, 0, 1), ch.Certificates(), ValidateOptions{})
			wantChainError(t, err, 0, ErrExpired)
		})
		t.Run("expired trust point", func(t *testing.T) {
			_, err := ValidateChain(ch.CVCA, ch.CVCA.ExpirationDate.AddDate(0, 0, 1), ch.Certificates(), ValidateOptions{})
			wantChainError(t, err, -1, ErrExpired)
		})
		t.Run("IS without DG3", func(t *testing.T) {
			no3 := mustChain(t, curve, "VN", WithoutDG3())
			res, err := ValidateChain(no3.CVCA, testNow, no3.Certificates(), ValidateOptions{})
			if err != nil || res.Rights != ReadDG4 {
				t.Fatalf("rights %v, %v", res, err)
			}
			_, err = ValidateChain(no3.CVCA, testNow, no3.Certificates(), ValidateOptions{Require: ReadDG3})
			ce := wantChainError(t, err, 1, ErrAccessRight)
			if ce.CHR != "VNIS00001" {
				t.Errorf("names %q", ce.CHR)
			}
		})
		t.Run("DV without DG3", func(t *testing.T) {
			dvKey, dvPub := newKey(t, curve)
			isKey, isPub := newKey(t, curve)
			_ = isKey
			dv := issue(t, Certificate{CAR: ch.CVCA.CHR, CHR: "VNDV00002", PublicKey: dvPub,
				CHAT: InspectionSystemCHAT(RoleDVDomestic, ReadDG4), EffectiveDate: day, ExpirationDate: day.AddDate(0, 1, 0)}, ch.CVCAKey.(*ecdsa.PrivateKey), alg)
			is := issue(t, Certificate{CAR: dv.CHR, CHR: "VNIS00002", PublicKey: isPub,
				CHAT: InspectionSystemCHAT(RoleTerminal, ReadDG3|ReadDG4), EffectiveDate: day, ExpirationDate: day.AddDate(0, 1, 0)}, dvKey, alg)
			res, err := ValidateChain(ch.CVCA, testNow, []*Certificate{dv, is}, ValidateOptions{})
			if err != nil || res.Rights != ReadDG4 {
				t.Fatalf("effective rights %v, %v", res, err)
			}
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{dv, is}, ValidateOptions{Require: ReadDG3 | ReadDG4})
			wantChainError(t, err, 0, ErrAccessRight)
		})
		t.Run("bad signature", func(t *testing.T) {
			raw := append([]byte(nil), ch.IS.Raw...)
			raw[len(raw)-1] ^= 1
			bad, err := ParseCertificate(raw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV, bad}, ValidateOptions{})
			wantChainError(t, err, 1, ErrBadSignature)
			// A body changed after signing.
			tmpl := *ch.DV
			tmpl.ExpirationDate = tmpl.ExpirationDate.AddDate(1, 0, 0)
			raw, err = tmpl.Encode()
			if err != nil {
				t.Fatal(err)
			}
			longer, err := ParseCertificate(raw)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{longer, ch.IS}, ValidateOptions{})
			wantChainError(t, err, 0, ErrBadSignature)
		})
		t.Run("CAR/CHR mismatch", func(t *testing.T) {
			_, err := ValidateChain(ch.CVCA, testNow, []*Certificate{ch.IS}, ValidateOptions{})
			wantChainError(t, err, 0, ErrUnknownCAR)
			other := mustChain(t, curve, "VN")
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV, other.IS}, ValidateOptions{})
			wantChainError(t, err, 1, ErrBadSignature) // same names, other DV key
			renamed := issue(t, Certificate{CAR: "VNDV00009", CHR: "VNIS00001", PublicKey: ch.IS.PublicKey, CHAT: ch.IS.CHAT,
				EffectiveDate: day, ExpirationDate: day.AddDate(0, 1, 0)}, ch.DVKey.(*ecdsa.PrivateKey), alg)
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV, renamed}, ValidateOptions{})
			wantChainError(t, err, 1, ErrUnknownCAR)
		})
		t.Run("role out of order", func(t *testing.T) {
			_, pub := newKey(t, curve)
			cvcaKey := ch.CVCAKey.(*ecdsa.PrivateKey)
			// A terminal certified by the CVCA itself.
			direct := issue(t, Certificate{CAR: ch.CVCA.CHR, CHR: "VNIS00003", PublicKey: pub,
				CHAT: InspectionSystemCHAT(RoleTerminal, ReadDG3), EffectiveDate: day, ExpirationDate: day.AddDate(0, 1, 0)}, cvcaKey, alg)
			_, err := ValidateChain(ch.CVCA, testNow, []*Certificate{direct}, ValidateOptions{})
			wantChainError(t, err, 0, ErrWrongRole)
			// A DV certified by a DV.
			sub := issue(t, Certificate{CAR: ch.DV.CHR, CHR: "VNDV00003", PublicKey: pub,
				CHAT: InspectionSystemCHAT(RoleDVDomestic, ReadDG3), EffectiveDate: day, ExpirationDate: day.AddDate(0, 1, 0)}, ch.DVKey.(*ecdsa.PrivateKey), alg)
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV, sub}, ValidateOptions{})
			wantChainError(t, err, 1, ErrWrongRole)
			// No terminal at the end, something after it.
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV}, ValidateOptions{})
			wantChainError(t, err, 0, ErrWrongRole)
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV, ch.IS, ch.IS}, ValidateOptions{})
			wantChainError(t, err, 2, ErrWrongRole)
			// A DV as trust point.
			_, err = ValidateChain(ch.DV, testNow, []*Certificate{ch.IS}, ValidateOptions{})
			wantChainError(t, err, -1, ErrWrongRole)
			// Another terminal type.
			at := issue(t, Certificate{CAR: ch.DV.CHR, CHR: "VNAT00001", PublicKey: pub,
				CHAT: CHAT{Type: OIDAuthenticationTerminal, Authorization: []byte{0, 0, 0, 0, 0x10}}, EffectiveDate: day, ExpirationDate: day.AddDate(0, 1, 0)}, ch.DVKey.(*ecdsa.PrivateKey), alg)
			_, err = ValidateChain(ch.CVCA, testNow, []*Certificate{ch.DV, at}, ValidateOptions{})
			wantChainError(t, err, 1, ErrWrongRole)
		})
		t.Run("empty chain", func(t *testing.T) {
			_, err := ValidateChain(ch.CVCA, testNow, nil, ValidateOptions{})
			wantChainError(t, err, -1, ErrEmptyChain)
		})
	})
}

// The current date follows CVCA link, DV and accurate terminal
// certificates only (TR-03110 part 3 §2.5; ICAO Doc 9303-11 §7.1.4.3.3).
func TestValidateChainCurrentDate(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		alg := ECDSAAlgorithmFor(curve.Params().BitSize)
		day := Day(testNow)
		for _, foreign := range []bool{false, true} {
			var opts []ChainOption
			if foreign {
				opts = append(opts, WithForeignDV())
			}
			ch := mustChain(t, curve, "VN", opts...)
			_, pub := newKey(t, curve)
			// A terminal certificate dated five days after its DV's.
			is := issue(t, Certificate{CAR: ch.DV.CHR, CHR: "VNIS00005", PublicKey: pub, CHAT: ch.IS.CHAT,
				EffectiveDate: day.AddDate(0, 0, 5), ExpirationDate: day.AddDate(0, 0, 30)}, ch.DVKey.(*ecdsa.PrivateKey), alg)
			res, err := ValidateChain(ch.CVCA, testNow.AddDate(0, 0, -50), []*Certificate{ch.DV, is}, ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := day.AddDate(0, 0, 5) // accurate: issued by an official domestic DV
			if foreign {
				want = day // the DV's effective date, not the terminal's
			}
			if !res.CurrentDate.Equal(want) || res.Accurate == foreign {
				t.Errorf("foreign DV %v: current date %s, accurate %v", foreign, res.CurrentDate.Format(time.DateOnly), res.Accurate)
			}
		}
	})
}

// CVCA link certificates: the chip verifies them with the trust point,
// accepts them expired, moves its trust point and date, and verifies the
// DV with the new key.
func TestValidateChainLink(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		alg := ECDSAAlgorithmFor(curve.Params().BitSize)
		old := mustChain(t, curve, "VN")
		day := Day(testNow)
		// The new CVCA key, linked from the old one and issued 200 days later.
		newCVCA, err := ecdsa.GenerateKey(curve, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := NewPublicKey(alg, &newCVCA.PublicKey, true)
		linkDay := day.AddDate(0, 0, 200)
		link := issue(t, Certificate{CAR: old.CVCA.CHR, CHR: "VNCVCA00002", PublicKey: *pk, CHAT: old.CVCA.CHAT,
			EffectiveDate: linkDay, ExpirationDate: linkDay.AddDate(0, 0, 10)}, old.CVCAKey.(*ecdsa.PrivateKey), alg)
		dvKey, dvPub := newKey(t, curve)
		_, isPub := newKey(t, curve)
		dv := issue(t, Certificate{CAR: link.CHR, CHR: "VNDV00002", PublicKey: dvPub, CHAT: old.DV.CHAT,
			EffectiveDate: linkDay.AddDate(0, 0, 20), ExpirationDate: linkDay.AddDate(0, 0, 60)}, newCVCA, alg)
		is := issue(t, Certificate{CAR: dv.CHR, CHR: "VNIS00002", PublicKey: isPub, CHAT: old.IS.CHAT,
			EffectiveDate: linkDay.AddDate(0, 0, 20), ExpirationDate: linkDay.AddDate(0, 0, 50)}, dvKey, alg)

		// The link certificate has expired by the DV's date: still accepted.
		res, err := ValidateChain(old.CVCA, testNow, []*Certificate{link, dv, is}, ValidateOptions{Require: ReadDG3 | ReadDG4})
		if err != nil {
			t.Fatal(err)
		}
		if res.TrustPoint != link || !res.CurrentDate.Equal(linkDay.AddDate(0, 0, 20)) {
			t.Errorf("trust point %s, date %s", res.TrustPoint.CHR, res.CurrentDate.Format(time.DateOnly))
		}
		// The old key does not verify the new DV.
		_, err = ValidateChain(old.CVCA, testNow, []*Certificate{dv, is}, ValidateOptions{})
		wantChainError(t, err, 0, ErrUnknownCAR)
		// A link certificate signed by a stranger.
		stranger := mustChain(t, curve, "VN")
		forged := issue(t, Certificate{CAR: old.CVCA.CHR, CHR: "VNCVCA00002", PublicKey: *pk, CHAT: old.CVCA.CHAT,
			EffectiveDate: linkDay, ExpirationDate: linkDay.AddDate(1, 0, 0)}, stranger.CVCAKey.(*ecdsa.PrivateKey), alg)
		_, err = ValidateChain(old.CVCA, testNow, []*Certificate{forged, dv, is}, ValidateOptions{})
		wantChainError(t, err, 0, ErrBadSignature)
		// A link certificate expired at the chip's date is fine; the trust
		// point it installs then verifies the DV only while not expired.
		_, err = ValidateChain(old.CVCA, linkDay.AddDate(0, 0, 15), []*Certificate{link, dv, is}, ValidateOptions{})
		wantChainError(t, err, 0, ErrExpired) // the link key expired on day +10: it is index 0, the failing trust point
	})
}

// The Validator takes the chain one certificate at a time, as a chip does
// over PSO:Verify Certificate: Next names the key MSE:Set DST must select,
// and a refused certificate changes nothing.
func TestValidatorIncremental(t *testing.T) {
	forCurves(t, func(t *testing.T, curve elliptic.Curve) {
		ch := mustChain(t, curve, "VN")
		other := mustChain(t, curve, "VN")
		v, err := NewValidator(ch.CVCA, testNow.AddDate(0, 0, -100))
		if err != nil {
			t.Fatal(err)
		}
		if v.Next() != ch.CVCA.CHR || v.Terminal() != nil {
			t.Fatalf("next %s", v.Next())
		}
		// The IS before its DV: refused, nothing moves.
		wantChainError(t, v.Add(ch.IS), 0, ErrUnknownCAR)
		// A DV of another CVCA with the same name: the signature fails.
		wantChainError(t, v.Add(other.DV), 0, ErrBadSignature)
		if v.Next() != ch.CVCA.CHR || !v.CurrentDate().Equal(Day(testNow.AddDate(0, 0, -100))) {
			t.Fatalf("state moved after a refusal: next %s, date %s", v.Next(), v.CurrentDate())
		}
		if _, err := v.Result(ValidateOptions{}); !errors.Is(err, ErrEmptyChain) {
			t.Fatalf("result before any certificate: %v", err)
		}
		if err := v.Add(ch.DV); err != nil {
			t.Fatal(err)
		}
		if v.Next() != ch.DV.CHR || !v.CurrentDate().Equal(Day(testNow)) {
			t.Fatalf("after the DV: next %s, date %s", v.Next(), v.CurrentDate())
		}
		if _, err := v.Result(ValidateOptions{}); !errors.Is(err, ErrWrongRole) {
			t.Fatalf("result without a terminal certificate: %v", err)
		}
		if err := v.Add(ch.IS); err != nil {
			t.Fatal(err)
		}
		if v.Next() != "" || v.Terminal() != ch.IS || v.TrustPoint() != ch.CVCA {
			t.Fatalf("after the IS: next %q", v.Next())
		}
		wantChainError(t, v.Add(ch.IS), 2, ErrWrongRole)
		res, err := v.Result(ValidateOptions{Require: ReadDG3})
		if err != nil || res.Rights != ReadDG3|ReadDG4 {
			t.Fatalf("%v %v", res, err)
		}
	})
}
