package brainpool

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rfc7027 holds the ECDH test vectors of RFC 7027 Appendix A (A.1, A.2,
// A.3): private keys dA, dB, public keys qA, qB (04||x||y) and the shared
// point Z (its x-coordinate is the shared secret).
var rfc7027 = []struct {
	curve          func() elliptic.Curve
	dA, qA, dB, qB string
	zx, zy         string
}{
	{P256r1,
		"81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D",
		"44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5" +
			"8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC",
		"55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3",
		"8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B" +
			"990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
		"89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B",
		"49C27868F4ECA2179BFD7D59B1E3BF34C1DBDE61AE12931648F43E59632504DE"},
	{P384r1,
		"1E20F5E048A5886F1F157C74E91BDE2B98C8B52D58E5003D57053FC4B0BD65D6F15EB5D1EE1610DF870795143627D042",
		"68B665DD91C195800650CDD363C625F4E742E8134667B767B1B476793588F885AB698C852D4A6E77A252D6380FCAF068" +
			"55BC91A39C9EC01DEE36017B7D673A931236D2F1F5C83942D049E3FA20607493E0D038FF2FD30C2AB67D15C85F7FAA59",
		"032640BC6003C59260F7250C3DB58CE647F98E1260ACCE4ACDA3DD869F74E01F8BA5E0324309DB6A9831497ABAC96670",
		"4D44326F269A597A5B58BBA565DA5556ED7FD9A8A9EB76C25F46DB69D19DC8CE6AD18E404B15738B2086DF37E71D1EB4" +
			"62D692136DE56CBE93BF5FA3188EF58BC8A3A0EC6C1E151A21038A42E9185329B5B275903D192F8D4E1F32FE9CC78C48",
		"0BD9D3A7EA0B3D519D09D8E48D0785FB744A6B355E6304BC51C229FBBCE239BBADF6403715C35D4FB2A5444F575D4F42",
		"0DF213417EBE4D8E40A5F76F66C56470C489A3478D146DECF6DF0D94BAE9E598157290F8756066975F1DB34B2324B7BD"},
	{P512r1,
		"16302FF0DBBB5A8D733DAB7141C1B45ACBC8715939677F6A56850A38BD87BD59B09E80279609FF333EB9D4C061231FB26F92EEB04982A5F1D1764CAD57665422",
		"0A420517E406AAC0ACDCE90FCD71487718D3B953EFD7FBEC5F7F27E28C6149999397E91E029E06457DB2D3E640668B392C2A7E737A7F0BF04436D11640FD09FD" +
			"72E6882E8DB28AAD36237CD25D580DB23783961C8DC52DFA2EC138AD472A0FCEF3887CF62B623B2A87DE5C588301EA3E5FC269B373B60724F5E82A6AD147FDE7",
		"230E18E1BCC88A362FA54E4EA3902009292F7F8033624FD471B5D8ACE49D12CFABBC19963DAB8E2F1EBA00BFFB29E4D72D13F2224562F405CB80503666B25429",
		"9D45F66DE5D67E2E6DB6E93A59CE0BB48106097FF78A081DE781CDB31FCE8CCBAAEA8DD4320C4119F1E9CD437A2EAB3731FA9668AB268D871DEDA55A5473199F" +
			"2FDC313095BCDD5FB3A91636F07A959C8E86B5636A1E930E8396049CB481961D365CC11453A06C719835475B12CB52FC3C383BCE35E27EF194512B71876285FA",
		"A7927098655F1F9976FA50A9D566865DC530331846381C87256BAF3226244B76D36403C024D7BBF0AA0803EAFF405D3D24F11A9B5C0BEF679FE1454B21C4CD1F",
		"7DB71C3DEF63212841C463E881BDCF055523BD368240E6C3143BD8DEF8B3B3223B95E0F53082FF5E412F4222537A43DF1C6D25729DDB51620A832BE6A26680A2"},
}

func TestRFC7027(t *testing.T) {
	for _, v := range rfc7027 {
		c := v.curve()
		name := c.Params().Name
		dA, dB := unhex(t, v.dA), unhex(t, v.dB)
		qA, qB := unhex(t, "04"+v.qA), unhex(t, "04"+v.qB)
		z := unhex(t, "04"+v.zx+v.zy)
		for _, kp := range []struct{ d, q []byte }{{dA, qA}, {dB, qB}} {
			if got, err := ScalarBaseMult(c, kp.d); err != nil || !bytes.Equal(got, kp.q) {
				t.Errorf("%s: d·G = %x, %v; want %x", name, got, err, kp.q)
			}
			// The reference (big.Int) code agrees too.
			x, y := newRef(c).ScalarBaseMult(kp.d)
			if !bytes.Equal(c.(*Curve).encode(x, y), kp.q) {
				t.Errorf("%s: reference d·G differs", name)
			}
		}
		for _, ab := range []struct{ d, q []byte }{{dA, qB}, {dB, qA}} {
			got, err := ECDH(c, ab.d, ab.q)
			if err != nil || !bytes.Equal(got, z[1:1+len(got)]) {
				t.Errorf("%s: ECDH = %x, %v; want x(Z) = %s", name, got, err, v.zx)
			}
			if p, err := ScalarMult(c, ab.q, ab.d); err != nil || !bytes.Equal(p, z) {
				t.Errorf("%s: d·Q = %x, %v; want Z", name, p, err)
			}
			qx, qy := c.(*Curve).decode(ab.q)
			x, y := c.ScalarMult(qx, qy, ab.d)
			if !bytes.Equal(c.(*Curve).encode(x, y), z) {
				t.Errorf("%s: elliptic ScalarMult differs", name)
			}
		}
	}
}

// TestDifferential compares the elliptic.Curve methods with the former
// big.Int code on random and edge scalars and points.
func TestDifferential(t *testing.T) {
	for _, c := range curves() {
		ref := newRef(c)
		p := c.Params()
		name := p.Name
		one := big.NewInt(1)
		size := (p.BitSize + 7) / 8
		scalars := []*big.Int{big.NewInt(0), one, big.NewInt(2), big.NewInt(7), big.NewInt(8), big.NewInt(9),
			big.NewInt(15), big.NewInt(16), big.NewInt(17),
			new(big.Int).Sub(p.N, one), new(big.Int).Sub(p.N, big.NewInt(2)), p.N,
			new(big.Int).Add(p.N, one), new(big.Int).Lsh(p.N, 1),
			new(big.Int).Sub(new(big.Int).Lsh(one, uint(8*size)), one), // 2^bits - 1 > n
			new(big.Int).Lsh(one, uint(8*size)),                        // longer than the curve size
			new(big.Int).Lsh(p.N, 70),                                  // much longer, ≡ 0
			new(big.Int).Add(new(big.Int).Lsh(p.N, 9), big.NewInt(5)),
		}
		for range 10 {
			k, _ := rand.Int(rand.Reader, p.N)
			scalars = append(scalars, k)
			k2, _ := rand.Int(rand.Reader, new(big.Int).Lsh(one, uint(8*size))) // up to 2^bits, ≥ n too
			scalars = append(scalars, k2)
		}
		same := func(what string, x1, y1, x2, y2 *big.Int) {
			t.Helper()
			if x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
				t.Fatalf("%s: %s: new (%x, %x), reference (%x, %x)", name, what, x1, y1, x2, y2)
			}
		}
		// Points: random multiples of G, G, -G and the infinity (0, 0).
		type pt struct{ x, y *big.Int }
		points := []pt{{p.Gx, p.Gy}, {p.Gx, new(big.Int).Sub(p.P, p.Gy)}, {new(big.Int), new(big.Int)}}
		for range 4 {
			k, _ := rand.Int(rand.Reader, p.N)
			x, y := ref.ScalarBaseMult(k.Bytes())
			points = append(points, pt{x, y})
		}
		for _, k := range scalars {
			x1, y1 := c.ScalarBaseMult(k.Bytes())
			x2, y2 := ref.ScalarBaseMult(k.Bytes())
			same("ScalarBaseMult("+k.Text(16)+")", x1, y1, x2, y2)
			if !(x1.Sign() == 0 && y1.Sign() == 0) && !c.IsOnCurve(x1, y1) {
				t.Fatalf("%s: k·G off the curve", name)
			}
			for _, q := range points[:4] {
				x1, y1 := c.ScalarMult(q.x, q.y, k.Bytes())
				x2, y2 := ref.ScalarMult(q.x, q.y, k.Bytes())
				same("ScalarMult", x1, y1, x2, y2)
			}
		}
		for i, a := range points {
			for _, b := range points {
				x1, y1 := c.Add(a.x, a.y, b.x, b.y)
				x2, y2 := ref.Add(a.x, a.y, b.x, b.y)
				same("Add", x1, y1, x2, y2)
			}
			// P + P, P + (-P).
			x1, y1 := c.Add(a.x, a.y, a.x, a.y)
			x2, y2 := ref.Add(a.x, a.y, a.x, a.y)
			same("P+P", x1, y1, x2, y2)
			x1, y1 = c.Double(a.x, a.y)
			same("Double", x1, y1, x2, y2)
			if i != 2 { // the infinity has no -P in (x, p-y) form
				ny := new(big.Int).Sub(p.P, a.y)
				x1, y1 = c.Add(a.x, a.y, a.x, ny)
				if x1.Sign() != 0 || y1.Sign() != 0 {
					t.Fatalf("%s: P + (-P) = (%x, %x)", name, x1, y1)
				}
			}
			if c.IsOnCurve(a.x, a.y) != ref.IsOnCurve(a.x, a.y) {
				t.Fatalf("%s: IsOnCurve differs", name)
			}
		}
		// Points off the curve and out of range.
		for _, q := range []pt{{p.Gx, new(big.Int).Add(p.Gy, one)}, {p.P, p.Gy}, {new(big.Int).Neg(p.Gx), p.Gy}, {new(big.Int), one}} {
			if c.IsOnCurve(q.x, q.y) || ref.IsOnCurve(q.x, q.y) {
				t.Fatalf("%s: (%x, %x) accepted", name, q.x, q.y)
			}
		}
	}
}

func TestByteAPIErrors(t *testing.T) {
	for _, c := range curves() {
		p := c.Params()
		name := p.Name
		size := (p.BitSize + 7) / 8
		g := c.(*Curve).encode(p.Gx, p.Gy)
		negG := c.(*Curve).encode(p.Gx, new(big.Int).Sub(p.P, p.Gy))
		offCurve := bytes.Clone(g)
		offCurve[len(offCurve)-1] ^= 1
		n := p.N.FillBytes(make([]byte, size))
		nm1 := new(big.Int).Sub(p.N, big.NewInt(1)).FillBytes(make([]byte, size))
		badPoints := [][]byte{nil, {0}, g[:len(g)-1], append(bytes.Clone(g), 0), offCurve,
			append([]byte{2}, g[1:]...), append([]byte{4}, p.P.FillBytes(make([]byte, size))...)}
		for i, bp := range badPoints {
			if _, err := ScalarMult(c, bp, []byte{1}); err == nil {
				t.Errorf("%s: ScalarMult accepted bad point %d", name, i)
			}
			if _, err := ECDH(c, []byte{1}, bp); err == nil {
				t.Errorf("%s: ECDH accepted bad point %d", name, i)
			}
			if _, err := MapGenerator(c, []byte{1}, bp); err == nil {
				t.Errorf("%s: MapGenerator accepted bad point %d", name, i)
			}
			if Verify(c, bp, []byte{1}, []byte{1}, []byte{1}) {
				t.Errorf("%s: Verify accepted bad point %d", name, i)
			}
		}
		for _, k := range [][]byte{nil, {0}, n, make([]byte, size+1)} {
			if _, err := ScalarMult(c, g, k); err != ErrInfinity {
				t.Errorf("%s: ScalarMult(%x) err = %v, want ErrInfinity", name, k, err)
			}
			if _, err := ECDH(c, k, g); err != ErrScalar {
				t.Errorf("%s: ECDH with private key %x: %v", name, k, err)
			}
		}
		if _, err := ScalarMult(c, g, append([]byte{1}, n...)); err != ErrScalar {
			t.Errorf("%s: ScalarMult accepted a scalar longer than the curve", name)
		}
		if got, err := ScalarMult(c, g, nm1); err != nil || !bytes.Equal(got, negG) {
			t.Errorf("%s: (n-1)·G = %x, %v", name, got, err)
		}
		if got, err := ScalarMult(c, g, append([]byte{0, 0}, 1)); err != nil || !bytes.Equal(got, g) {
			t.Errorf("%s: 1·G (with leading zeros) = %x, %v", name, got, err)
		}
		if _, err := ECDH(c, nm1, g); err != nil {
			t.Errorf("%s: ECDH with n-1: %v", name, err)
		}
		// G' = 1·G + (-G) is the infinity.
		if _, err := MapGenerator(c, []byte{1}, negG); err != ErrInfinity {
			t.Errorf("%s: MapGenerator(1, -G) err = %v", name, err)
		}
		if got, err := MapGenerator(c, nil, g); err != nil || !bytes.Equal(got, g) {
			t.Errorf("%s: MapGenerator(0, G) = %x, %v", name, got, err)
		}
		// 1·G + G = 2·G, through the doubling inside the complete addition.
		dx, dy := c.Double(p.Gx, p.Gy)
		if got, err := MapGenerator(c, []byte{1}, g); err != nil || !bytes.Equal(got, c.(*Curve).encode(dx, dy)) {
			t.Errorf("%s: MapGenerator(1, G) = %x, %v", name, got, err)
		}
		if _, _, err := Sign(rand.Reader, c, n, []byte{1}); err != ErrScalar {
			t.Errorf("%s: Sign with d = n: %v", name, err)
		}
	}
	if _, err := ECDH(elliptic.P256(), []byte{1}, []byte{4}); err != ErrCurve {
		t.Errorf("ECDH on P-256: %v", err)
	}
}

// TestICAOPACEVectorBytes replays ICAO Doc 9303-11 Appendix G.1 (PACE
// Generic Mapping on brainpoolP256r1) through the byte API.
func TestICAOPACEVectorBytes(t *testing.T) {
	c := P256r1()
	tpriv := unhex(t, "7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99")
	cpub := unhex(t, "04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"+
		"30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")
	h, err := ScalarMult(c, cpub, tpriv)
	wantH := unhex(t, "0460332EF2450B5D247EF6D3868397D398852ED6E8CAF6FFEEF6BF85CA57057FD5"+
		"0840CA7415BAF3E43BD414D35AA4608B93A2CAF3A4E3EA4E82C9C13D03EB7181")
	if err != nil || !bytes.Equal(h, wantH) {
		t.Fatalf("H = %x, %v", h, err)
	}
	g2, err := MapGenerator(c, unhex(t, "3F00C4D39D153F2B2A214A078D899B22"), h)
	want := unhex(t, "048CED63C91426D4F0EB1435E7CB1D74A46723A0AF21C89634F65A9AE87A9265E2"+
		"8C879506743F8611AC33645C5B985C80B5F09A0B83407C1B6A4D857AE76FE522")
	if err != nil || !bytes.Equal(g2, want) {
		t.Fatalf("G' = %x, %v", g2, err)
	}
}

// TestECDSAInterop signs with Sign and verifies with crypto/ecdsa (its
// generic path, here run against the reference curve so that the check
// does not rest on the new code alone), and the other way round.
func TestECDSAInterop(t *testing.T) {
	digests := [][]byte{}
	for _, m := range []string{"EF.SOD", "DG1", ""} {
		d256 := sha256.Sum256([]byte(m))
		d512 := sha512.Sum512([]byte(m))
		digests = append(digests, d256[:], d512[:], d512[:48])
	}
	digests = append(digests, []byte{1}, make([]byte, 64))
	for _, c := range curves() {
		name := c.Params().Name
		ref := newRef(c)
		for _, digest := range digests {
			priv, pub, err := GenerateKey(c, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			r, s, err := Sign(rand.Reader, c, priv, digest)
			if err != nil {
				t.Fatal(err)
			}
			if len(r) != len(priv) || len(s) != len(priv) {
				t.Fatalf("%s: r, s of %d, %d bytes", name, len(r), len(s))
			}
			x, y := c.(*Curve).decode(pub)
			refKey := &ecdsa.PublicKey{Curve: refCurveAdapter{ref}, X: x, Y: y}
			if !ecdsa.Verify(refKey, digest, new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)) {
				t.Fatalf("%s: crypto/ecdsa (reference arithmetic) rejects Sign's signature", name)
			}
			if !Verify(c, pub, digest, r, s) {
				t.Fatalf("%s: Verify rejects Sign's signature", name)
			}
			bad := bytes.Clone(digest)
			bad[0] ^= 0x80
			if Verify(c, pub, bad, r, s) {
				t.Fatalf("%s: Verify accepts another digest", name)
			}
			if Verify(c, pub, digest, s, r) {
				t.Fatalf("%s: Verify accepts (s, r)", name)
			}
			if Verify(c, pub, digest, r, c.Params().N.Bytes()) || Verify(c, pub, digest, nil, s) {
				t.Fatalf("%s: Verify accepts s = n or r = 0", name)
			}
			// crypto/ecdsa signs, Verify checks.
			key := &ecdsa.PrivateKey{D: new(big.Int).SetBytes(priv), PublicKey: ecdsa.PublicKey{Curve: c, X: x, Y: y}}
			sig, err := ecdsa.SignASN1(rand.Reader, key, digest)
			if err != nil {
				t.Fatal(err)
			}
			var rs struct{ R, S *big.Int }
			if _, err := asn1.Unmarshal(sig, &rs); err != nil {
				t.Fatal(err)
			}
			if !Verify(c, pub, digest, rs.R.Bytes(), rs.S.Bytes()) {
				t.Fatalf("%s: Verify rejects crypto/ecdsa's signature", name)
			}
		}
	}
}

// refCurveAdapter lets crypto/ecdsa run on the reference arithmetic.
type refCurveAdapter struct{ *refCurve }

func (r refCurveAdapter) Params() *elliptic.CurveParams { return r.params }

// openssl runs openssl and fails the test on error.
func openssl(t *testing.T, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return out
}

// opensslKey generates a key with openssl in dir/name.pem (and the public
// half in dir/name.pub.pem) and returns its private scalar and public
// point as openssl prints them.
func opensslKey(t *testing.T, dir, name, curve string) (priv, pub []byte) {
	openssl(t, dir, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:"+curve, "-out", name+".pem")
	openssl(t, dir, "pkey", "-in", name+".pem", "-pubout", "-out", name+".pub.pem")
	text := openssl(t, dir, "pkey", "-in", name+".pem", "-text", "-noout")
	m := regexp.MustCompile(`(?s)priv:\s*(.*?)pub:\s*(.*?)ASN1 OID`).FindSubmatch(text)
	if m == nil {
		t.Fatalf("cannot read openssl output:\n%s", text)
	}
	clean := func(b []byte) []byte {
		return unhex(t, strings.NewReplacer(":", "", " ", "", "\n", "").Replace(string(b)))
	}
	return clean(m[1]), clean(m[2])
}

func needOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not installed: run scripts/install-deps.sh")
	}
}

// TestOpenSSLECDH derives shared secrets with `openssl pkeyutl -derive`
// on openssl-generated brainpool keys and compares them with ECDH.
func TestOpenSSLECDH(t *testing.T) {
	needOpenSSL(t)
	dir := t.TempDir()
	for _, c := range curves() {
		name := c.Params().Name
		for i := range 3 {
			privA, pubA := opensslKey(t, dir, "a", name)
			privB, pubB := opensslKey(t, dir, "b", name)
			want := openssl(t, dir, "pkeyutl", "-derive", "-inkey", "a.pem", "-peerkey", "b.pub.pem")
			if got, err := ScalarBaseMult(c, privA); err != nil || !bytes.Equal(got, pubA) {
				t.Fatalf("%s #%d: public key %x, openssl %x", name, i, got, pubA)
			}
			for _, pair := range []struct{ d, q []byte }{{privA, pubB}, {privB, pubA}} {
				got, err := ECDH(c, pair.d, pair.q)
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("%s #%d: ECDH = %x, %v; openssl %x", name, i, got, err, want)
				}
			}
		}
	}
}

// TestOpenSSLECDSA verifies Sign's signatures with `openssl pkeyutl
// -verify` and openssl's signatures with Verify.
func TestOpenSSLECDSA(t *testing.T) {
	needOpenSSL(t)
	dir := t.TempDir()
	for _, c := range curves() {
		name := c.Params().Name
		priv, pub := opensslKey(t, dir, "k", name)
		for i := range 2 {
			digest := sha256.Sum256([]byte{byte(i), 'x'})
			if err := os.WriteFile(filepath.Join(dir, "digest"), digest[:], 0o600); err != nil {
				t.Fatal(err)
			}
			r, s, err := Sign(rand.Reader, c, priv, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			der, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(r), new(big.Int).SetBytes(s)})
			if err := os.WriteFile(filepath.Join(dir, "sig"), der, 0o600); err != nil {
				t.Fatal(err)
			}
			out := openssl(t, dir, "pkeyutl", "-verify", "-pubin", "-inkey", "k.pub.pem", "-in", "digest", "-sigfile", "sig")
			if !strings.Contains(string(out), "Verified Successfully") {
				t.Fatalf("%s: openssl: %s", name, out)
			}
			osig := openssl(t, dir, "pkeyutl", "-sign", "-inkey", "k.pem", "-in", "digest")
			var rs struct{ R, S *big.Int }
			if _, err := asn1.Unmarshal(osig, &rs); err != nil {
				t.Fatal(err)
			}
			if !Verify(c, pub, digest[:], rs.R.Bytes(), rs.S.Bytes()) {
				t.Fatalf("%s: Verify rejects openssl's signature", name)
			}
		}
	}
}

// FuzzDecodePoint feeds arbitrary encodings to the point decoder (through
// ScalarMult by 1) and checks it against the reference IsOnCurve: it
// accepts exactly the 04||X||Y on the curve and gives them back intact.
func FuzzDecodePoint(f *testing.F) {
	for _, c := range curves() {
		p := c.Params()
		g := c.(*Curve).encode(p.Gx, p.Gy)
		f.Add(g)
		f.Add(g[:len(g)-1])
		bad := bytes.Clone(g)
		bad[5] ^= 1
		f.Add(bad)
	}
	f.Add([]byte{0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, c := range curves() {
			size := (c.Params().BitSize + 7) / 8
			got, err := ScalarMult(c, b, []byte{1})
			want := false
			if len(b) == 1+2*size && b[0] == 4 {
				x := new(big.Int).SetBytes(b[1 : 1+size])
				y := new(big.Int).SetBytes(b[1+size:])
				want = newRef(c).IsOnCurve(x, y)
			}
			if (err == nil) != want {
				t.Fatalf("%s: decode %x: err %v, reference on-curve %v", c.Params().Name, b, err, want)
			}
			if err == nil && !bytes.Equal(got, b) {
				t.Fatalf("%s: 1·P = %x for P = %x", c.Params().Name, got, b)
			}
		}
	})
}
