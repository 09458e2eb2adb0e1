package testcards_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/chip"
	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/internal/brainpool"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/perso"
	"github.com/cccd-vn/cccd/pki"
	"github.com/cccd-vn/cccd/testcards"
)

// eacCard is a CCCD with chip authentication, a DG3 and a DG4 that the
// chip keeps behind terminal authentication, trusting chain's CVCA.
type eacCard struct {
	doc      *lds.Document
	img      *testcards.Image
	ca       *ecdsa.PrivateKey
	dg3, dg4 []byte
}

func newEACCard(t testing.TB, chain *cvc.Chain) *eacCard {
	t.Helper()
	samples, err := testcards.Samples(1, 42)
	if err != nil {
		t.Fatal(err)
	}
	p, err := pki.NewTestPKI("ecdsa-p256", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	spec, err := testcards.Spec(samples[0].Record, samples[0].Photo)
	if err != nil {
		t.Fatal(err)
	}
	c := &eacCard{ca: ca,
		// Stand-ins for the biometric groups; their format is lds's
		// business, the chip only guards them.
		dg3: []byte{0x63, 0x08, 0x7F, 0x61, 0x05, 0x02, 0x01, 0x00, 0xAA, 0xBB},
		dg4: []byte{0x76, 0x05, 0x7F, 0x61, 0x02, 0x02, 0x01}}
	spec.CAPublicKey, spec.DG3 = &ca.PublicKey, c.dg3
	spec.Sign = lds.SODSignOptions{Certificate: p.DS, Signer: p.DSKey}
	if c.doc, err = lds.BuildDocument(spec); err != nil {
		t.Fatal(err)
	}
	if c.img, err = testcards.PersonalizedImage(c.doc, nil, testcards.ProfileCCCD); err != nil {
		t.Fatal(err)
	}
	c.img.SetFile(lds.DGFileID(4), false, c.dg4)
	if err := c.img.SetCAKey(ca); err != nil {
		t.Fatal(err)
	}
	if chain != nil {
		c.img.SetTrustPoints(chain.CVCA)
	}
	return c
}

func terminalOf(ch *cvc.Chain) *cvc.Terminal {
	return &cvc.Terminal{CVCA: ch.CVCA, DV: ch.DV, IS: ch.IS, Key: ch.ISKey}
}

// session opens the card (PACE with the CAN, or BAC) and runs chip
// authentication; it returns ID_PICC and the terminal's CA key.
func (c *eacCard) session(t testing.TB, card *apdu.Card, bac bool) (idPICC, caKey []byte) {
	t.Helper()
	sec, opt := c.doc.Secret.CANOnly(), chip.OpenOptions{}
	if bac {
		sec, opt = c.doc.Secret.MRZOnly(), chip.OpenOptions{NoPACE: true}
	}
	res, err := chip.Open(card, sec, opt)
	if err != nil {
		t.Fatal(err)
	}
	d14, err := lds.ParseDG14(c.doc.Files[lds.DGFileID(14)])
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := chip.CAFromDG14(d14)
	if err != nil {
		t.Fatal(err)
	}
	eph, err := chip.StartChipAuthenticationKey(card, p, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return res.IDPICC, eph
}

func chainCurves() []elliptic.Curve {
	return []elliptic.Curve{brainpool.P256r1(), elliptic.P256(), brainpool.P384r1(), elliptic.P384(), brainpool.P512r1()}
}

func newChain(t testing.TB, curve elliptic.Curve, opts ...cvc.ChainOption) *cvc.Chain {
	t.Helper()
	ch, err := cvc.NewTestChain(curve, "VN", time.Now(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestTerminalAuthentication: the terminal side against the emulated chip
// on brainpool and NIST chains, after PACE and after BAC, certificates in
// extended-length APDUs and chained; DG3 and DG4 are refused before and
// read after.
func TestTerminalAuthentication(t *testing.T) {
	for _, curve := range chainCurves() {
		t.Run(curve.Params().Name, func(t *testing.T) {
			ch := newChain(t, curve)
			for _, tt := range []struct {
				name          string
				bac, extended bool
			}{{"PACE/chained", false, false}, {"PACE/extended", false, true}, {"BAC/chained", true, false}} {
				t.Run(tt.name, func(t *testing.T) {
					c := newEACCard(t, ch)
					c.img.ExtendedLength = tt.extended
					card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
					idPICC, eph := c.session(t, card, tt.bac)
					r := chip.NewFileReader(card)
					if _, err := r.ReadFile(lds.DGFileID(3)); !errors.Is(err, chip.ErrFileAccess) {
						t.Fatalf("DG3 before terminal authentication: %v, want 6982", err)
					}
					chained, apdus := 0, 0
					card.SetTrace(func(ev apdu.TraceEvent) {
						apdus++
						if ev.Command[0]&0x10 != 0 {
							chained++
						}
					})
					res, err := chip.TerminalAuthenticate(card, terminalOf(ch), idPICC, eph, chip.TAOptions{Extended: tt.extended})
					if err != nil {
						t.Fatal(err)
					}
					card.SetTrace(nil)
					// DST + PSO per certificate, MSE:Set AT, GET CHALLENGE,
					// EXTERNAL AUTHENTICATE; without extended length a
					// certificate goes in segments of 223 bytes.
					want := 0
					for _, c := range ch.Certificates() {
						if n := len(c.RawBody) + len(apdu.EncodeTLV(0x5F37, c.Signature)); !tt.extended {
							want += (n - 1) / 223
						}
					}
					if chained != want || apdus != 7+chained {
						t.Fatalf("%d APDUs, %d chained segments, want %d", apdus, chained, want)
					}
					if curve.Params().BitSize >= 384 && !tt.extended && want == 0 {
						t.Fatal("no chaining tested")
					}
					if res.Rights != cvc.ReadDG3|cvc.ReadDG4 || res.Terminal != "VNIS00001" {
						t.Fatalf("result %+v", res)
					}
					for fid, want := range map[uint16][]byte{lds.DGFileID(3): c.dg3, lds.DGFileID(4): c.dg4} {
						got, err := r.ReadFile(fid)
						if err != nil || !bytes.Equal(got, want) {
							t.Fatalf("%s after terminal authentication: %X %v", lds.FileName(fid), got, err)
						}
					}
				})
			}
		})
	}
}

// TestTerminalAuthenticationRefused: what the chip refuses, and what the
// terminal says of it.
func TestTerminalAuthenticationRefused(t *testing.T) {
	for _, curve := range []elliptic.Curve{brainpool.P256r1(), elliptic.P256()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			ch := newChain(t, curve)
			ta := func(t *testing.T, c *eacCard, term *cvc.Terminal) (*apdu.Card, *chip.TAResult, error) {
				card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
				id, eph := c.session(t, card, false)
				res, err := chip.TerminalAuthenticate(card, term, id, eph, chip.TAOptions{})
				return card, res, err
			}
			wantTA := func(t *testing.T, err error, step string, sw apdu.SW, reason string) {
				t.Helper()
				var te *chip.TAError
				if !errors.As(err, &te) || !errors.Is(err, chip.ErrTerminalNotAuthorized) {
					t.Fatalf("error %v, want a *chip.TAError", err)
				}
				if te.Step != step || te.SW != sw || !strings.Contains(te.Reason, reason) {
					t.Fatalf("refused at %s with %04X: %q; want %s, %04X, %q", te.Step, uint16(te.SW), te.Reason, step, uint16(sw), reason)
				}
			}
			t.Run("another CVCA", func(t *testing.T) {
				other, err := cvc.NewTestChain(curve, "VN", time.Now())
				if err != nil {
					t.Fatal(err)
				}
				// Same names, other keys: the chip trusts ch's CVCA, whose
				// key does not verify other's DV.
				_, _, err = ta(t, newEACCard(t, ch), terminalOf(other))
				wantTA(t, err, "PSO:Verify Certificate", 0x6984, "trusts another CVCA key named VNCVCA00001")
				// Another country's CVCA: the chip does not know the key.
				de, err := cvc.NewTestChain(curve, "DE", time.Now())
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = ta(t, newEACCard(t, ch), terminalOf(de))
				wantTA(t, err, "MSE:Set DST", apdu.SWReferencedDataNotFound, "does not trust the CVCA DECVCA00001")
			})
			t.Run("expired IS", func(t *testing.T) {
				expired := newChain(t, curve, cvc.WithExpiredIS())
				_, _, err := ta(t, newEACCard(t, expired), terminalOf(expired))
				wantTA(t, err, "PSO:Verify Certificate", 0x6984, "inspection system certificate VNIS00001 expired on")
			})
			t.Run("CHAT without DG3", func(t *testing.T) {
				dg4only := newChain(t, curve, cvc.WithoutDG3())
				c := newEACCard(t, dg4only)
				card, res, err := ta(t, c, terminalOf(dg4only))
				if err != nil || res.Rights != cvc.ReadDG4 {
					t.Fatalf("%+v %v", res, err)
				}
				r := chip.NewFileReader(card)
				if _, err := r.ReadFile(lds.DGFileID(3)); !errors.Is(err, chip.ErrFileAccess) {
					t.Fatalf("DG3 with a CHAT without it: %v, want 6982", err)
				}
				if got, err := r.ReadFile(lds.DGFileID(4)); err != nil || !bytes.Equal(got, c.dg4) {
					t.Fatalf("DG4: %v", err)
				}
			})
			t.Run("bad certificate signature", func(t *testing.T) {
				bad := *ch.DV
				bad.Signature = bytes.Clone(bad.Signature)
				bad.Signature[5] ^= 0x40
				term := terminalOf(ch)
				term.DV = &bad
				_, _, err := ta(t, newEACCard(t, ch), term)
				wantTA(t, err, "PSO:Verify Certificate", 0x6984, "refuses the DV (official domestic) certificate VNDV00001")
			})
			t.Run("IS key not the certificate's", func(t *testing.T) {
				term := terminalOf(ch)
				term.Key, _ = ecdsa.GenerateKey(curve, rand.Reader)
				_, _, err := ta(t, newEACCard(t, ch), term)
				wantTA(t, err, "EXTERNAL AUTHENTICATE", 0x6300, "does not accept the signature of VNIS00001")
			})
			t.Run("wrong challenge", func(t *testing.T) {
				c := newEACCard(t, ch)
				card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
				id, eph := c.session(t, card, false)
				sendChain(t, card, ch)
				if _, err := card.Send(apdu.Command{INS: 0x22, P1: 0x81, P2: 0xA4, Data: apdu.EncodeTLV(0x83, []byte(ch.IS.CHR))}); err != nil {
					t.Fatal(err)
				}
				r, err := card.Send(apdu.Command{INS: 0x84, Ne: 8})
				if err != nil {
					t.Fatal(err)
				}
				comp, _ := cvc.CompressECPoint(eph)
				wrong := bytes.Clone(r)
				wrong[0] ^= 1
				for _, tt := range []struct {
					name            string
					id, r, comp     []byte
					want            apdu.SW
					thenRightAnswer apdu.SW
				}{
					{"another challenge", id, wrong, comp, 0x6300, apdu.SWConditionsNotSatisfied},
				} {
					sig, err := cvc.SignTA(ch.ISKey, ch.IS.PublicKey.Algorithm, tt.id, tt.r, tt.comp, nil)
					if err != nil {
						t.Fatal(err)
					}
					resp, err := card.Transmit(apdu.Command{INS: 0x82, Data: sig})
					if err != nil || resp.SW != tt.want {
						t.Fatalf("%s: %04X %v", tt.name, uint16(resp.SW), err)
					}
					// The challenge is gone with the failed attempt.
					sig, _ = cvc.SignTA(ch.ISKey, ch.IS.PublicKey.Algorithm, id, r, comp, nil)
					if resp, err := card.Transmit(apdu.Command{INS: 0x82, Data: sig}); err != nil || resp.SW != tt.thenRightAnswer {
						t.Fatalf("%s, then the right signature: %04X %v", tt.name, uint16(resp.SW), err)
					}
				}
				if _, err := chip.NewFileReader(card).ReadFile(lds.DGFileID(3)); !errors.Is(err, chip.ErrFileAccess) {
					t.Fatalf("DG3 after a failed terminal authentication: %v", err)
				}
			})
			t.Run("signature over another ID_PICC or CA key", func(t *testing.T) {
				c := newEACCard(t, ch)
				for _, bend := range []string{"id", "comp"} {
					card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
					id, eph := c.session(t, card, false)
					if bend == "id" {
						id = bytes.Clone(id)
						id[0] ^= 1
					} else {
						eph = bytes.Clone(eph)
						eph[1] ^= 1
					}
					_, err := chip.TerminalAuthenticate(card, terminalOf(ch), id, eph, chip.TAOptions{})
					wantTA(t, err, "EXTERNAL AUTHENTICATE", 0x6300, "signature")
				}
			})
			t.Run("without chip authentication", func(t *testing.T) {
				c := newEACCard(t, ch)
				card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
				res, err := chip.Open(card, c.doc.Secret.CANOnly(), chip.OpenOptions{})
				if err != nil {
					t.Fatal(err)
				}
				_, err = chip.TerminalAuthenticate(card, terminalOf(ch), res.IDPICC, bytes.Repeat([]byte{4}, 65), chip.TAOptions{})
				wantTA(t, err, "MSE:Set DST", apdu.SWConditionsNotSatisfied, "refuses terminal authentication")
			})
			t.Run("a chip without trust point", func(t *testing.T) {
				c := newEACCard(t, nil)
				_, _, err := ta(t, c, terminalOf(ch))
				wantTA(t, err, "MSE:Set DST", apdu.SWReferencedDataNotFound, "does not trust")
			})
		})
	}
}

// sendChain sends MSE:Set DST + PSO:Verify Certificate for the DV and IS.
func sendChain(t testing.TB, card *apdu.Card, ch *cvc.Chain) {
	t.Helper()
	for _, c := range ch.Certificates() {
		if _, err := card.Send(apdu.Command{INS: 0x22, P1: 0x81, P2: 0xB6, Data: apdu.EncodeTLV(0x83, []byte(c.CAR))}); err != nil {
			t.Fatal(err)
		}
		data := append(bytes.Clone(c.RawBody), apdu.EncodeTLV(0x5F37, c.Signature)...)
		if _, err := card.Send(apdu.Command{INS: 0x2A, P2: 0xBE, Data: data, Extended: len(data) > 255}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTrustPointPersonalization: PUT DATA 64 writes the CVCA (chained
// when it is longer than a short APDU), sets the chip's current date, and
// a terminal chain of that CVCA then authenticates; the chip's date moves
// with the certificates it accepts and is saved in the image.
func TestTrustPointPersonalization(t *testing.T) {
	for _, curve := range []elliptic.Curve{elliptic.P256(), brainpool.P512r1()} {
		t.Run(curve.Params().Name, func(t *testing.T) {
			ch := newChain(t, curve)
			c := newEACCard(t, nil)
			c.img.Locked = false
			c.img.ExtendedLength = false
			card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
			if len(ch.CVCA.Raw) <= 255 {
				t.Fatalf("a %d-byte CVCA does not test chaining", len(ch.CVCA.Raw))
			}
			if _, err := card.Send(perso.SelectApplet{}.APDU()); err != nil {
				t.Fatal(err)
			}
			if _, err := card.Send(perso.PutTrustPoint{Slot: 1, Certificate: ch.CVCA.Raw}.APDU()); err != nil {
				t.Fatal(err)
			}
			if !c.img.EACCurrentDate().Equal(cvc.Day(time.Now())) {
				t.Fatalf("current date %s", c.img.EACCurrentDate())
			}
			// A DV or IS certificate is no trust point.
			if _, err := card.Send(perso.PutTrustPoint{Slot: 2, Certificate: ch.DV.Raw}.APDU()); !errors.Is(err, apdu.ErrWrongData) {
				t.Fatalf("a DV as trust point: %v", err)
			}
			if _, err := card.Send(perso.Lock{}.APDU()); err != nil {
				t.Fatal(err)
			}
			if _, err := card.Send(perso.PutTrustPoint{Slot: 2, Certificate: ch.CVCA.Raw}.APDU()); !errors.Is(err, apdu.ErrConditionsNotSatisfied) {
				t.Fatalf("PUT DATA 64 after LOCK: %v", err)
			}

			// A DV effective in ten days: the chip's date follows it.
			later := cvc.Day(time.Now()).AddDate(0, 0, 10)
			dvKey, _ := ecdsa.GenerateKey(curve, rand.Reader)
			isKey, _ := ecdsa.GenerateKey(curve, rand.Reader)
			alg := ch.CVCA.PublicKey.Algorithm
			mk := func(car, chr cvc.Reference, pub *ecdsa.PublicKey, chat cvc.CHAT, signer *ecdsa.PrivateKey) *cvc.Certificate {
				pk, err := cvc.NewPublicKey(alg, pub, false)
				if err != nil {
					t.Fatal(err)
				}
				cert, err := cvc.CreateCertificate(rand.Reader, &cvc.Certificate{CAR: car, CHR: chr, PublicKey: *pk, CHAT: chat,
					EffectiveDate: later, ExpirationDate: later.AddDate(0, 0, 30)}, signer, alg)
				if err != nil {
					t.Fatal(err)
				}
				return cert
			}
			dv := mk(ch.CVCA.CHR, "VNDV00002", &dvKey.PublicKey, ch.DV.CHAT, ch.CVCAKey.(*ecdsa.PrivateKey))
			is := mk(dv.CHR, "VNIS00002", &isKey.PublicKey, ch.IS.CHAT, dvKey)
			id, eph := c.session(t, card, false)
			if _, err := chip.TerminalAuthenticate(card, &cvc.Terminal{CVCA: ch.CVCA, DV: dv, IS: is, Key: isKey}, id, eph, chip.TAOptions{}); err != nil {
				t.Fatal(err)
			}
			if !c.img.EACCurrentDate().Equal(later) {
				t.Fatalf("current date %s, want %s", c.img.EACCurrentDate(), later)
			}
			// The first chain's IS is still valid at the chip's new date.
			card = apdu.NewCard(testcards.NewEmulator(c.img, ""))
			id, eph = c.session(t, card, false)
			if _, err := chip.TerminalAuthenticate(card, terminalOf(ch), id, eph, chip.TAOptions{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTrustPointLink: a CVCA link certificate moves the chip to the new
// CVCA, which it keeps (with the old one) for the next sessions.
func TestTrustPointLink(t *testing.T) {
	curve := elliptic.P256()
	old := newChain(t, curve)
	c := newEACCard(t, old)
	next := newChain(t, curve) // a new CVCA key (and its DV and IS)
	alg := old.CVCA.PublicKey.Algorithm
	pk, _ := cvc.NewPublicKey(alg, next.CVCAKey.Public(), true)
	link, err := cvc.CreateCertificate(rand.Reader, &cvc.Certificate{CAR: old.CVCA.CHR, CHR: "VNCVCA00002", PublicKey: *pk, CHAT: old.CVCA.CHAT,
		EffectiveDate: next.CVCA.EffectiveDate, ExpirationDate: next.CVCA.ExpirationDate}, old.CVCAKey, alg)
	if err != nil {
		t.Fatal(err)
	}
	reissue := func(tmpl *cvc.Certificate, car cvc.Reference, key *ecdsa.PrivateKey) *cvc.Certificate {
		t2 := *tmpl
		t2.CAR = car
		cert, err := cvc.CreateCertificate(rand.Reader, &t2, key, alg)
		if err != nil {
			t.Fatal(err)
		}
		return cert
	}
	dv := reissue(next.DV, link.CHR, next.CVCAKey.(*ecdsa.PrivateKey))
	is := reissue(next.IS, dv.CHR, next.DVKey.(*ecdsa.PrivateKey))
	term := &cvc.Terminal{CVCA: link, DV: dv, IS: is, Key: next.ISKey}
	for i := 0; i < 2; i++ {
		// The first time with the link certificate; the second time the
		// chip knows the new CVCA and the link is skipped after 6A88...
		// or taken again: both work.
		card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
		id, eph := c.session(t, card, false)
		if _, err := chip.TerminalAuthenticate(card, term, id, eph, chip.TAOptions{}); err != nil {
			t.Fatalf("session %d: %v", i+1, err)
		}
		if len(c.img.EAC.TrustPoints) != 2 {
			t.Fatalf("session %d: %d trust points", i+1, len(c.img.EAC.TrustPoints))
		}
		tp, err := cvc.ParseCertificate(c.img.EAC.TrustPoints[0])
		if err != nil || tp.CHR != "VNCVCA00002" {
			t.Fatalf("session %d: trust point %v %v", i+1, tp, err)
		}
	}
	// The old chain still works while the old CVCA is kept.
	card := apdu.NewCard(testcards.NewEmulator(c.img, ""))
	id, eph := c.session(t, card, false)
	if _, err := chip.TerminalAuthenticate(card, terminalOf(old), id, eph, chip.TAOptions{}); err != nil {
		t.Fatal(err)
	}
}
