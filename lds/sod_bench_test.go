package lds

import (
	"crypto"
	"testing"
)

func BenchmarkSODSign(b *testing.B) {
	dgs := sodTestDGs(b, 20000)
	for _, a := range sodAlgs {
		b.Run(a.alg, func(b *testing.B) {
			p := sodTestPKI(b, a.alg)
			files, _ := BuildLDS(dgs, a.hash)
			for b.Loop() {
				if _, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, PSS: a.pss, SigningTime: sodNow}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSODVerify is parse + full passive authentication of a 5-group
// LDS with a 20 KB photo.
func BenchmarkSODVerify(b *testing.B) {
	dgs := sodTestDGs(b, 20000)
	for _, a := range sodAlgs {
		b.Run(a.alg, func(b *testing.B) {
			p := sodTestPKI(b, a.alg)
			files, _ := BuildLDS(dgs, a.hash)
			sod, _ := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, PSS: a.pss, SigningTime: sodNow})
			tr := sodTrust(p)
			for b.Loop() {
				s, err := ParseSOD(sod)
				if err != nil {
					b.Fatal(err)
				}
				if err := s.Verify(dgs, tr, sodNow).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuildLDS20KB encodes DG1, DG2 (20 KB photo), DG13, DG14 and
// DG15, EF.COM and the security object, and signs EF.SOD (ECDSA P-256).
func BenchmarkBuildLDS20KB(b *testing.B) {
	p := sodTestPKI(b, "ecdsa-p256")
	photo := ldsTestJPEG(b, 200, 260)
	for len(photo) < 20000 {
		photo = append(photo, 0) // pad to 20 KB: the image is opaque to the LDS
	}
	dg15 := ldsUnhex(b, loadLDSVectors(b).AA.DG15)
	for b.Loop() {
		dgs := sodEncodeDGs(b, photo, dg15)
		files, err := BuildLDS(dgs, crypto.SHA256)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := SignSOD(files.SecurityObject, SODSignOptions{Certificate: p.DS, Signer: p.DSKey, SigningTime: sodNow}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDG2_20KB(b *testing.B) {
	dg2 := sodTestDGs(b, 20000)[2]
	b.SetBytes(int64(len(dg2)))
	for b.Loop() {
		if _, err := ParseDG2(dg2); err != nil {
			b.Fatal(err)
		}
	}
}
