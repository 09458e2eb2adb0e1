package brainpool

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"testing"
)

// Benchmarks. Each reports ns/op (wall) and cpu-ns/op (the benchmark
// thread's CPU time, see cpuLoop), the figure to read on a busy machine.
// /new is this package, /old the former big.Int code (reference_test.go).

func shortName(c elliptic.Curve) string { return c.Params().Name[len("brainpool"):] }

func BenchmarkScalarMult(b *testing.B) {
	for _, c := range curves() {
		k, _ := rand.Int(rand.Reader, c.Params().N)
		px, py := c.ScalarBaseMult(k.Bytes())
		k, _ = rand.Int(rand.Reader, c.Params().N)
		kb := k.Bytes()
		ref := newRef(c)
		b.Run(shortName(c)+"/new", func(b *testing.B) {
			cpuLoop(b, func() { c.ScalarMult(px, py, kb) })
		})
		b.Run(shortName(c)+"/old", func(b *testing.B) {
			cpuLoop(b, func() { ref.ScalarMult(px, py, kb) })
		})
	}
}

func BenchmarkScalarBaseMult(b *testing.B) {
	for _, c := range curves() {
		k, _ := rand.Int(rand.Reader, c.Params().N)
		kb := k.Bytes()
		ref := newRef(c)
		c.ScalarBaseMult(kb) // builds the table outside the timing
		b.Run(shortName(c)+"/new", func(b *testing.B) {
			cpuLoop(b, func() { c.ScalarBaseMult(kb) })
		})
		b.Run(shortName(c)+"/old", func(b *testing.B) {
			cpuLoop(b, func() { ref.ScalarBaseMult(kb) })
		})
	}
}

func BenchmarkECDH(b *testing.B) {
	for _, c := range curves() {
		_, pub, _ := GenerateKey(c, rand.Reader)
		priv, _, _ := GenerateKey(c, rand.Reader)
		b.Run(shortName(c), func(b *testing.B) {
			cpuLoop(b, func() {
				if _, err := ECDH(c, priv, pub); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkMapGenerator(b *testing.B) {
	for _, c := range curves() {
		_, h, _ := GenerateKey(c, rand.Reader)
		s := make([]byte, 16)
		rand.Read(s)
		MapGenerator(c, s, h)
		b.Run(shortName(c), func(b *testing.B) {
			cpuLoop(b, func() {
				if _, err := MapGenerator(c, s, h); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkSign compares Sign with crypto/ecdsa's generic path, which
// runs on this package's elliptic.Curve methods (/crypto-ecdsa) or on the
// former big.Int code (/crypto-ecdsa-old).
func BenchmarkSign(b *testing.B) {
	digest := sha256.Sum256([]byte("EF.SOD"))
	for _, c := range curves() {
		priv, _, _ := GenerateKey(c, rand.Reader)
		key, _ := ecdsa.GenerateKey(c, rand.Reader)
		oldKey := *key
		oldKey.Curve = refCurveAdapter{newRef(c)}
		b.Run(shortName(c)+"/new", func(b *testing.B) {
			cpuLoop(b, func() {
				if _, _, err := Sign(rand.Reader, c, priv, digest[:]); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(shortName(c)+"/crypto-ecdsa", func(b *testing.B) {
			cpuLoop(b, func() {
				if _, err := ecdsa.SignASN1(rand.Reader, key, digest[:]); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(shortName(c)+"/crypto-ecdsa-old", func(b *testing.B) {
			cpuLoop(b, func() {
				if _, err := ecdsa.SignASN1(rand.Reader, &oldKey, digest[:]); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	digest := sha256.Sum256([]byte("EF.SOD"))
	for _, c := range curves() {
		priv, pub, _ := GenerateKey(c, rand.Reader)
		r, s, _ := Sign(rand.Reader, c, priv, digest[:])
		key := &ecdsa.PublicKey{Curve: c}
		key.X, key.Y = c.(*Curve).decode(pub)
		oldKey := &ecdsa.PublicKey{Curve: refCurveAdapter{newRef(c)}, X: key.X, Y: key.Y}
		rb, sb := new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)
		b.Run(shortName(c)+"/new", func(b *testing.B) {
			cpuLoop(b, func() {
				if !Verify(c, pub, digest[:], r, s) {
					b.Fatal("rejected")
				}
			})
		})
		b.Run(shortName(c)+"/crypto-ecdsa", func(b *testing.B) {
			cpuLoop(b, func() {
				if !ecdsa.Verify(key, digest[:], rb, sb) {
					b.Fatal("rejected")
				}
			})
		})
		b.Run(shortName(c)+"/crypto-ecdsa-old", func(b *testing.B) {
			cpuLoop(b, func() {
				if !ecdsa.Verify(oldKey, digest[:], rb, sb) {
					b.Fatal("rejected")
				}
			})
		})
	}
}

func BenchmarkFieldMul(b *testing.B) {
	b.Run("P256r1", func(b *testing.B) {
		x, y := p256Gx, p256Gy
		cpuLoop(b, func() { x.Mul(&x, &y) })
	})
	b.Run("P384r1", func(b *testing.B) {
		x, y := p384Gx, p384Gy
		cpuLoop(b, func() { x.Mul(&x, &y) })
	})
	b.Run("P512r1", func(b *testing.B) {
		x, y := p512Gx, p512Gy
		cpuLoop(b, func() { x.Mul(&x, &y) })
	})
}

func BenchmarkFieldSquare(b *testing.B) {
	b.Run("P256r1", func(b *testing.B) {
		x := p256Gx
		cpuLoop(b, func() { x.Square(&x) })
	})
	b.Run("P384r1", func(b *testing.B) {
		x := p384Gx
		cpuLoop(b, func() { x.Square(&x) })
	})
	b.Run("P512r1", func(b *testing.B) {
		x := p512Gx
		cpuLoop(b, func() { x.Square(&x) })
	})
}
