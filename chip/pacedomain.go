package chip

import (
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/cccd-vn/cccd/internal/brainpool"
)

// The PACE groups: standardized domain parameters of ICAO 9303-11 §9.5.1
// (RFC 5114 MODP groups and prime curves), with the operations Generic
// Mapping needs on each.

// paceGroup is one Diffie-Hellman group (a curve or a MODP group) with a
// current generator, which the mapping replaces.
type paceGroup interface {
	// newKey draws a private key in [1, order) from rnd (bytes of the
	// order's length, redrawn when out of range) and returns its public key.
	newKey(rnd io.Reader) (priv *big.Int, pub []byte, err error)
	// agree computes priv·peer and returns it encoded as a public value.
	agree(priv *big.Int, peer []byte) ([]byte, error)
	// mapped returns the group with generator s·G + H (Generic Mapping).
	mapped(s *big.Int, h []byte) (paceGroup, error)
	// secret turns an agreed value into the shared secret K (EC: the x
	// coordinate; DH: the element), fixed length.
	secret(agreed []byte) []byte
	// publicTag is the data object of a public key in the authentication
	// token input: 86 for EC points, 84 for DH values.
	publicTag() byte
}

var errBadPublicKey = errors.New("public key is not a valid element of the group")

// ecGroup is a prime curve with generator (gx, gy).
type ecGroup struct {
	curve  elliptic.Curve
	gx, gy *big.Int
}

func (g *ecGroup) size() int { return (g.curve.Params().BitSize + 7) / 8 }

func (g *ecGroup) encode(x, y *big.Int) []byte {
	n := g.size()
	out := make([]byte, 1+2*n)
	out[0] = 0x04
	x.FillBytes(out[1 : 1+n])
	y.FillBytes(out[1+n:])
	return out
}

func (g *ecGroup) decode(b []byte) (*big.Int, *big.Int, error) {
	n := g.size()
	if len(b) != 1+2*n || b[0] != 0x04 {
		return nil, nil, errBadPublicKey
	}
	x := new(big.Int).SetBytes(b[1 : 1+n])
	y := new(big.Int).SetBytes(b[1+n:])
	if !g.curve.IsOnCurve(x, y) {
		return nil, nil, errBadPublicKey
	}
	return x, y, nil
}

func randScalar(rnd io.Reader, order *big.Int) (*big.Int, error) {
	buf := make([]byte, (order.BitLen()+7)/8)
	// Bits above the order's length are cleared so that a draw is in
	// range with probability >= 1/2 (P-521 has 7 spare bits).
	mask := byte(0xFF >> (8*len(buf) - order.BitLen()))
	for range 100 {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return nil, err
		}
		buf[0] &= mask
		k := new(big.Int).SetBytes(buf)
		if k.Sign() > 0 && k.Cmp(order) < 0 {
			return k, nil
		}
	}
	return nil, errors.New("random source gives no usable scalar")
}

func (g *ecGroup) newKey(rnd io.Reader) (*big.Int, []byte, error) {
	k, err := randScalar(rnd, g.curve.Params().N)
	if err != nil {
		return nil, nil, err
	}
	return k, g.encode(g.mult(k)), nil
}

// mult is k·G for the group's generator: the curve's fixed-base
// multiplication (precomputed tables) while the generator is the curve's
// own, the generic one after the mapping.
func (g *ecGroup) mult(k *big.Int) (*big.Int, *big.Int) {
	p := g.curve.Params()
	if g.gx.Cmp(p.Gx) == 0 && g.gy.Cmp(p.Gy) == 0 {
		return g.curve.ScalarBaseMult(k.Bytes())
	}
	return g.curve.ScalarMult(g.gx, g.gy, k.Bytes())
}

func (g *ecGroup) agree(priv *big.Int, peer []byte) ([]byte, error) {
	x, y, err := g.decode(peer)
	if err != nil {
		return nil, err
	}
	sx, sy := g.curve.ScalarMult(x, y, priv.Bytes())
	if sx.Sign() == 0 && sy.Sign() == 0 {
		return nil, errBadPublicKey
	}
	return g.encode(sx, sy), nil
}

func (g *ecGroup) mapped(s *big.Int, h []byte) (paceGroup, error) {
	hx, hy, err := g.decode(h)
	if err != nil {
		return nil, err
	}
	sx, sy := g.mult(s)
	mx, my := g.curve.Add(sx, sy, hx, hy)
	if mx.Sign() == 0 && my.Sign() == 0 {
		return nil, errors.New("mapped generator is the point at infinity")
	}
	return &ecGroup{curve: g.curve, gx: mx, gy: my}, nil
}

func (g *ecGroup) secret(agreed []byte) []byte { return agreed[1 : 1+g.size()] }
func (g *ecGroup) publicTag() byte             { return 0x86 }

// dhGroup is a MODP group of prime order q with generator g.
type dhGroup struct {
	p, q, g *big.Int
}

func (d *dhGroup) size() int { return (d.p.BitLen() + 7) / 8 }

func (d *dhGroup) decode(b []byte) (*big.Int, error) {
	if len(b) == 0 || len(b) > d.size() {
		return nil, errBadPublicKey
	}
	y := new(big.Int).SetBytes(b)
	// 1 < y < p-1 and y in the subgroup of order q.
	pm1 := new(big.Int).Sub(d.p, big.NewInt(1))
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pm1) >= 0 || new(big.Int).Exp(y, d.q, d.p).Cmp(big.NewInt(1)) != 0 {
		return nil, errBadPublicKey
	}
	return y, nil
}

func (d *dhGroup) encode(y *big.Int) []byte { return y.FillBytes(make([]byte, d.size())) }

func (d *dhGroup) newKey(rnd io.Reader) (*big.Int, []byte, error) {
	k, err := randScalar(rnd, d.q)
	if err != nil {
		return nil, nil, err
	}
	return k, d.encode(new(big.Int).Exp(d.g, k, d.p)), nil
}

func (d *dhGroup) agree(priv *big.Int, peer []byte) ([]byte, error) {
	y, err := d.decode(peer)
	if err != nil {
		return nil, err
	}
	return d.encode(new(big.Int).Exp(y, priv, d.p)), nil
}

func (d *dhGroup) mapped(s *big.Int, h []byte) (paceGroup, error) {
	hv, err := d.decode(h)
	if err != nil {
		return nil, err
	}
	g := new(big.Int).Exp(d.g, s, d.p)
	g.Mul(g, hv).Mod(g, d.p)
	if g.Cmp(big.NewInt(1)) == 0 {
		return nil, errors.New("mapped generator is 1")
	}
	return &dhGroup{p: d.p, q: d.q, g: g}, nil
}

func (d *dhGroup) secret(agreed []byte) []byte { return agreed }
func (d *dhGroup) publicTag() byte             { return 0x84 }

func hexBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("chip: bad constant")
	}
	return n
}

// RFC 5114 §2.1–2.3 MODP groups: standardized domain parameters 0, 1, 2.
var rfc5114 = map[int][3]string{
	0: {
		"B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
		"F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
		"A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28AD662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
	},
	1: {
		"AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71CF9DE5384E71B81C0AC4DFFE0C10E64F",
		"801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
		"AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFAAB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98AE247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EFBB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC017981BC087F2A7065B384B890D3191F2BFA",
	},
	2: {
		"87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
		"8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
		"3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
	},
}

// PACEDomainName names a standardized domain parameter ID (§9.5.1).
func PACEDomainName(id int) string {
	switch id {
	case 0:
		return "1024-bit MODP group (RFC 5114 2.1)"
	case 1:
		return "2048-bit MODP group, 224-bit subgroup (RFC 5114 2.2)"
	case 2:
		return "2048-bit MODP group, 256-bit subgroup (RFC 5114 2.3)"
	case 12:
		return "NIST P-256"
	case 13:
		return "brainpoolP256r1"
	case 15:
		return "NIST P-384"
	case 16:
		return "brainpoolP384r1"
	case 17:
		return "brainpoolP512r1"
	case 18:
		return "NIST P-521"
	}
	return fmt.Sprintf("domain parameter %d", id)
}

// CurveForParameterID returns the curve of a standardized domain
// parameter ID, or nil for a MODP group or an unsupported ID.
func CurveForParameterID(id int) elliptic.Curve {
	switch id {
	case 12:
		return elliptic.P256()
	case 13:
		return brainpool.P256r1()
	case 15:
		return elliptic.P384()
	case 16:
		return brainpool.P384r1()
	case 17:
		return brainpool.P512r1()
	case 18:
		return elliptic.P521()
	}
	return nil
}

func paceGroupFor(id int) (paceGroup, error) {
	if c := CurveForParameterID(id); c != nil {
		p := c.Params()
		return &ecGroup{curve: c, gx: p.Gx, gy: p.Gy}, nil
	}
	if v, ok := rfc5114[id]; ok {
		return &dhGroup{p: hexBig(v[0]), q: hexBig(v[1]), g: hexBig(v[2])}, nil
	}
	return nil, fmt.Errorf("PACE: standardized domain parameter %d (%s) is not supported", id, PACEDomainName(id))
}
