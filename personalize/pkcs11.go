package personalize

import (
	"crypto"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/ThalesGroup/crypto11"
)

// PKCS11URI is the part of an RFC 7512 "pkcs11:" URI that selects a
// Document Signer key: the token, the key (object label and/or id), the
// module and where the PIN comes from.
type PKCS11URI struct {
	Token      string // token label
	Serial     string // token serial
	Object     string // key label
	ID         []byte // key id (CKA_ID)
	ModulePath string
	PINValue   string // pin-value (discouraged: it sits in the process list)
	PINSource  string // pin-source, e.g. file:/etc/cccd/pin
}

// ParsePKCS11URI reads an RFC 7512 URI such as
// pkcs11:token=DS;object=ds-2026?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin
func ParsePKCS11URI(s string) (*PKCS11URI, error) {
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return nil, errors.New("a PKCS#11 URI starts with \"pkcs11:\" (RFC 7512)")
	}
	path, query, _ := strings.Cut(rest, "?")
	u := &PKCS11URI{}
	for _, attr := range strings.Split(path, ";") {
		if attr == "" {
			continue
		}
		k, v, ok := strings.Cut(attr, "=")
		if !ok {
			return nil, fmt.Errorf("PKCS#11 URI: %q is not name=value", attr)
		}
		val, err := url.PathUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("PKCS#11 URI: %s: %v", k, err)
		}
		switch k {
		case "token":
			u.Token = val
		case "serial":
			u.Serial = val
		case "object":
			u.Object = val
		case "id":
			u.ID = []byte(val)
		case "type", "manufacturer", "model", "library-description", "library-manufacturer", "library-version", "slot-id", "slot-description", "slot-manufacturer":
			// Accepted, not needed to find the key.
		default:
			return nil, fmt.Errorf("PKCS#11 URI: unknown attribute %q", k)
		}
	}
	for _, attr := range strings.Split(query, "&") {
		if attr == "" {
			continue
		}
		k, v, _ := strings.Cut(attr, "=")
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("PKCS#11 URI: %s: %v", k, err)
		}
		switch k {
		case "module-path":
			u.ModulePath = val
		case "pin-value":
			u.PINValue = val
		case "pin-source":
			u.PINSource = val
		case "module-name":
			if u.ModulePath == "" {
				u.ModulePath = val
			}
		default:
			return nil, fmt.Errorf("PKCS#11 URI: unknown query attribute %q", k)
		}
	}
	if u.Token == "" && u.Serial == "" {
		return nil, errors.New("PKCS#11 URI: name the token (token=LABEL or serial=…)")
	}
	if u.Object == "" && u.ID == nil {
		return nil, errors.New("PKCS#11 URI: name the key (object=LABEL or id=…)")
	}
	if u.ModulePath == "" {
		return nil, errors.New("PKCS#11 URI: give the module (?module-path=/usr/lib/…/libsofthsm2.so)")
	}
	return u, nil
}

// PINEnv is the environment variable a PKCS#11 PIN may come from.
const PINEnv = "CCCD_PKCS11_PIN"

// pin finds the PIN: the URI's pin-source file, then pinFile, then the
// environment; pin-value last (it is visible in the process list).
func (u *PKCS11URI) pin(pinFile string) (string, error) {
	read := func(path string) (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("PIN file: %w", err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	switch {
	case u.PINSource != "":
		return read(strings.TrimPrefix(u.PINSource, "file:"))
	case pinFile != "":
		return read(pinFile)
	case os.Getenv(PINEnv) != "":
		return os.Getenv(PINEnv), nil
	case u.PINValue != "":
		return u.PINValue, nil
	}
	return "", fmt.Errorf("no PIN for the token: give --pin-file, set %s, or pin-source in the URI", PINEnv)
}

// OpenPKCS11Signer logs in to the token and finds the key: a
// crypto.Signer whose private key never leaves the HSM. close ends the
// session.
func OpenPKCS11Signer(uri, pinFile string) (crypto.Signer, func() error, error) {
	u, err := ParsePKCS11URI(uri)
	if err != nil {
		return nil, nil, err
	}
	pin, err := u.pin(pinFile)
	if err != nil {
		return nil, nil, err
	}
	ctx, err := crypto11.Configure(&crypto11.Config{Path: u.ModulePath, TokenLabel: u.Token, TokenSerial: u.Serial, Pin: pin})
	if err != nil {
		return nil, nil, fmt.Errorf("PKCS#11 token: %w", err)
	}
	var label []byte
	if u.Object != "" {
		label = []byte(u.Object)
	}
	s, err := ctx.FindKeyPair(u.ID, label)
	if err != nil || s == nil {
		ctx.Close()
		if err == nil {
			err = errors.New("no such key pair on the token")
		}
		return nil, nil, fmt.Errorf("PKCS#11 key: %w", err)
	}
	return s, ctx.Close, nil
}
