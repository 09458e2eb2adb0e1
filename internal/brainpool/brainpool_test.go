package brainpool

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"math/big"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func curves() []elliptic.Curve { return []elliptic.Curve{P256r1(), P384r1(), P512r1()} }

// TestDomainParameters checks RFC 5639 facts: the generator lies on the
// curve, has order n (n·G = ∞), and p, n are prime.
func TestDomainParameters(t *testing.T) {
	for _, c := range curves() {
		p := c.Params()
		if !c.IsOnCurve(p.Gx, p.Gy) {
			t.Errorf("%s: G not on curve", p.Name)
		}
		if !p.P.ProbablyPrime(20) || !p.N.ProbablyPrime(20) {
			t.Errorf("%s: p or n not prime", p.Name)
		}
		if x, y := c.ScalarBaseMult(p.N.Bytes()); x.Sign() != 0 || y.Sign() != 0 {
			t.Errorf("%s: n·G is not the point at infinity", p.Name)
		}
		nm1 := new(big.Int).Sub(p.N, big.NewInt(1))
		x, y := c.ScalarBaseMult(nm1.Bytes())
		negY := new(big.Int).Sub(p.P, p.Gy)
		if x.Cmp(p.Gx) != 0 || y.Cmp(negY) != 0 {
			t.Errorf("%s: (n-1)·G is not -G", p.Name)
		}
		if p.BitSize != p.P.BitLen() {
			t.Errorf("%s: BitSize %d, p has %d bits", p.Name, p.BitSize, p.P.BitLen())
		}
		if ByOID(OID(c)) != c {
			t.Errorf("%s: OID round trip", p.Name)
		}
	}
}

func TestGroupLaw(t *testing.T) {
	for _, c := range curves() {
		n := c.Params().N
		for i := 0; i < 5; i++ {
			k1, _ := rand.Int(rand.Reader, n)
			k2, _ := rand.Int(rand.Reader, n)
			x1, y1 := c.ScalarBaseMult(k1.Bytes())
			x2, y2 := c.ScalarBaseMult(k2.Bytes())
			sx, sy := c.Add(x1, y1, x2, y2)
			sum := new(big.Int).Add(k1, k2)
			sum.Mod(sum, n)
			ex, ey := c.ScalarBaseMult(sum.Bytes())
			if sx.Cmp(ex) != 0 || sy.Cmp(ey) != 0 {
				t.Fatalf("%s: k1·G + k2·G != (k1+k2)·G", c.Params().Name)
			}
			dx, dy := c.Double(x1, y1)
			ax, ay := c.Add(x1, y1, x1, y1)
			if dx.Cmp(ax) != 0 || dy.Cmp(ay) != 0 || !c.IsOnCurve(dx, dy) {
				t.Fatalf("%s: Double != Add to itself", c.Params().Name)
			}
			// ECDH symmetry: k1·(k2·G) = k2·(k1·G).
			hx1, hy1 := c.ScalarMult(x2, y2, k1.Bytes())
			hx2, hy2 := c.ScalarMult(x1, y1, k2.Bytes())
			if hx1.Cmp(hx2) != 0 || hy1.Cmp(hy2) != 0 {
				t.Fatalf("%s: ECDH not symmetric", c.Params().Name)
			}
		}
		if c.IsOnCurve(c.Params().Gx, new(big.Int).Add(c.Params().Gy, big.NewInt(1))) {
			t.Fatal("IsOnCurve accepted a point off the curve")
		}
	}
}

func hexInt2(t *testing.T, s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %s", s)
	}
	return n
}

// TestICAOPACEVector replays the brainpoolP256r1 computations of ICAO
// Doc 9303-11 Appendix G.1 (PACE Generic Mapping): key pairs, the shared
// point H and the mapped generator G' = s·G + H.
func TestICAOPACEVector(t *testing.T) {
	c := P256r1()
	tprivate := hexInt2(t, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99")
	cprivate := hexInt2(t, "498FF49756F2DC1587840041839A85982BE7761D14715FB091EFA7BCE9058560")
	tx, ty := c.ScalarBaseMult(tprivate.Bytes())
	if tx.Cmp(hexInt2(t, "7ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E")) != 0 ||
		ty.Cmp(hexInt2(t, "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D")) != 0 {
		t.Fatalf("terminal public key = %X, %X", tx, ty)
	}
	cx, cy := c.ScalarBaseMult(cprivate.Bytes())
	if cx.Cmp(hexInt2(t, "824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57")) != 0 ||
		cy.Cmp(hexInt2(t, "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")) != 0 {
		t.Fatalf("chip public key = %X, %X", cx, cy)
	}
	hx, hy := c.ScalarMult(cx, cy, tprivate.Bytes())
	if hx.Cmp(hexInt2(t, "60332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5")) != 0 ||
		hy.Cmp(hexInt2(t, "0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181")) != 0 {
		t.Fatalf("H = %X, %X", hx, hy)
	}
	s := hexInt2(t, "3F00C4D39D153F2B2A214A078D899B22")
	sx, sy := c.ScalarBaseMult(s.Bytes())
	gx, gy := c.Add(sx, sy, hx, hy)
	if gx.Cmp(hexInt2(t, "8CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2")) != 0 ||
		gy.Cmp(hexInt2(t, "8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522")) != 0 {
		t.Fatalf("mapped generator = %X, %X", gx, gy)
	}
}

func TestECDSA(t *testing.T) {
	for _, c := range curves() {
		key, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		digest := sha256.Sum256([]byte("EF.SOD"))
		sig, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
		if err != nil {
			t.Fatalf("%s: %v", c.Params().Name, err)
		}
		if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			t.Fatalf("%s: signature does not verify", c.Params().Name)
		}
		digest[0] ^= 1
		if ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
			t.Fatalf("%s: signature verifies over another digest", c.Params().Name)
		}
	}
}

// TestOpenSSLKeys checks the arithmetic against keys openssl generates:
// the public point openssl prints equals d·G computed here.
func TestOpenSSLKeys(t *testing.T) {
	re := regexp.MustCompile(`(?s)priv:\s*(.*?)pub:\s*(.*?)ASN1 OID`)
	for _, c := range curves() {
		pem, err := exec.Command("openssl", "ecparam", "-name", c.Params().Name, "-genkey", "-noout").Output()
		if err != nil {
			t.Fatalf("openssl ecparam: %v", err)
		}
		cmd := exec.Command("openssl", "ec", "-text", "-noout")
		cmd.Stdin = strings.NewReader(string(pem))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl ec: %v", err)
		}
		m := re.FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("cannot read openssl output:\n%s", out)
		}
		clean := func(s string) string { return strings.NewReplacer(":", "", " ", "", "\n", "").Replace(s) }
		d := hexInt2(t, clean(m[1]))
		pub := clean(m[2])
		x, y := c.ScalarBaseMult(d.Bytes())
		size := (c.Params().BitSize + 7) / 8
		want := "04" + leftPad(x, size) + leftPad(y, size)
		if !strings.EqualFold(pub, want) {
			t.Fatalf("%s: openssl public %s, computed %s", c.Params().Name, pub, want)
		}
	}
}

func leftPad(n *big.Int, size int) string {
	b := n.FillBytes(make([]byte, size))
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*size)
	for _, v := range b {
		out = append(out, digits[v>>4], digits[v&15])
	}
	return string(out)
}
