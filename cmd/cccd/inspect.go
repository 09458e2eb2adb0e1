package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cccd-vn/cccd/cvc"
	"github.com/cccd-vn/cccd/lds"
	"github.com/cccd-vn/cccd/pki"
)

// The description of one file: its kind and its fields in order (the text
// form prints them in that order; the JSON form is an object of them).
type described struct {
	File   string
	Kind   string
	Fields []describedField
	Err    error
}

type describedField struct {
	Name  string
	Value any
}

func (d *described) add(name string, v any) { d.Fields = append(d.Fields, describedField{name, v}) }

func (d *described) MarshalJSON() ([]byte, error) {
	m := map[string]any{"file": d.File, "kind": d.Kind}
	fields := map[string]any{}
	for _, f := range d.Fields {
		fields[f.Name] = f.Value
	}
	m["fields"] = fields
	if d.Err != nil {
		m["error"] = d.Err.Error()
	}
	return json.Marshal(m)
}

func init() {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Show what is in an eMRTD file, certificate, CRL, master list or CV certificate",
		Long: `Parse each FILE and print what it holds. The kind is told from the content,
not the name:

  EF.COM, DG1 (MRZ), DG2 (face: ISO/IEC 19794-5 or 39794-5), DG3 (fingers), DG13
  (Vietnamese citizen data), DG14 and EF.CardAccess (SecurityInfos), DG15
  (Active Authentication key), EF.SOD (the signed hashes and the Document
  Signer), X.509 certificates (CSCA, Document Signer, link), CRLs, ICAO CSCA
  master lists, card-verifiable certificates and requests (EAC), PEM or DER.

Nothing is verified here (use 'cccd verify --files DIR' for that): a file
that does not parse says why, and the others go on. Personal data in the
files is printed as it is: inspect files you may see.

Exit: 0 every file parsed, 2 a file did not parse or cannot be read.

Examples:
  cccd inspect dump/DG1.bin dump/EF.SOD.bin
  cccd inspect --json testpki/csca.pem testpki/csca.crl
  cccd inspect DE_ML_2026-05-28.ml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			out := c.OutOrStdout()
			failed := 0
			for _, path := range args {
				d := describeFile(path)
				if d.Err != nil {
					failed++
				}
				if asJSON {
					enc := json.NewEncoder(out)
					enc.SetEscapeHTML(false)
					if err := enc.Encode(d); err != nil {
						return ioError(err)
					}
					continue
				}
				printDescribed(out, d)
			}
			if failed > 0 {
				return inputError(fmt.Errorf("%d of %d files did not parse", failed, len(args)))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per file: file, kind, fields, error")
	register(cmd)
}

func printDescribed(w io.Writer, d *described) {
	fmt.Fprintf(w, "%s: %s\n", d.File, d.Kind)
	if d.Err != nil {
		fmt.Fprintf(w, "  error: %v\n", d.Err)
	}
	for _, f := range d.Fields {
		switch v := f.Value.(type) {
		case []string:
			fmt.Fprintf(w, "  %s:\n", f.Name)
			for _, s := range v {
				fmt.Fprintf(w, "    %s\n", s)
			}
		default:
			fmt.Fprintf(w, "  %-22s %v\n", f.Name+":", v)
		}
	}
}

// describeFile reads a file (PEM or DER) and describes it by content.
func describeFile(path string) *described {
	d := &described{File: path, Kind: "unknown"}
	b, err := os.ReadFile(path)
	if err != nil {
		d.Err = err
		return d
	}
	if blk, _ := pem.Decode(b); blk != nil {
		b = blk.Bytes
	}
	if len(b) == 0 {
		d.Err = errors.New("empty file")
		return d
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x7F, 0x21}), b[0] == 0x67:
		describeCVC(d, b)
	case b[0] == 0x30:
		describeX509(d, b)
	case b[0] == 0x31:
		d.Kind = "EF.CardAccess (SecurityInfos)"
		ca, err := lds.ParseCardAccess(b)
		if err != nil {
			d.Err = err
			return d
		}
		d.add("security_infos", securityInfos(ca.Infos))
	case b[0] == 0x77:
		describeSOD(d, b)
	case b[0] == 0x60:
		d.Kind = "EF.COM"
		com, err := lds.ParseCOM(b)
		if err != nil {
			d.Err = err
			return d
		}
		d.add("lds_version", com.LDSVersion)
		d.add("unicode_version", com.UnicodeVersion)
		var dgs []string
		for _, n := range com.DataGroups() {
			dgs = append(dgs, fmt.Sprintf("DG%d", n))
		}
		d.add("data_groups", strings.Join(dgs, " "))
	default:
		describeDG(d, b)
	}
	return d
}

func describeDG(d *described, b []byte) {
	n := lds.DGNumber(b[0])
	if n == 0 {
		d.Err = fmt.Errorf("tag %02X starts no eMRTD file, certificate, CRL or master list", b[0])
		return
	}
	d.Kind = fmt.Sprintf("DG%d", n)
	switch n {
	case 1:
		dg1, err := lds.ParseDG1(b)
		if err != nil {
			d.Err = err
			return
		}
		m := dg1.MRZ
		d.Kind = "DG1 (MRZ, " + m.Format.String() + ")"
		d.add("mrz", m.Lines())
		d.add("document_code", m.DocumentCode)
		d.add("issuing_state", m.IssuingState)
		d.add("document_number", m.DocumentNumber)
		d.add("date_of_birth", m.DateOfBirth)
		d.add("sex", m.Sex)
		d.add("date_of_expiry", m.DateOfExpiry)
		d.add("nationality", m.Nationality)
		d.add("name", strings.TrimSpace(m.Surname+" "+m.GivenNames))
		check := "check digits correct"
		if err := m.Check(); err != nil {
			check = err.Error()
		}
		d.add("check_digits", check)
	case 2:
		dg2, err := lds.ParseDG2(b)
		if err != nil {
			d.Err = err
			return
		}
		d.Kind = "DG2 (face)"
		var faces []string
		for i, f := range dg2.Faces {
			for _, img := range f.Images() {
				faces = append(faces, fmt.Sprintf("template %d: ISO/IEC %s-5, %s %dx%d, %d bytes", i+1, f.Encoding(), img.ImageFormat(), img.Width, img.Height, len(img.Image)))
			}
		}
		d.add("faces", faces)
	case 3:
		dg3, err := lds.ParseDG3(b)
		if err != nil {
			d.Err = err
			return
		}
		d.Kind = "DG3 (fingerprints)"
		fingers := []string{}
		for i, t := range dg3.Fingers {
			if t.Finger == nil {
				fingers = append(fingers, fmt.Sprintf("template %d: %d bytes, not an ISO/IEC 19794-4 record", i+1, len(t.Data)))
				continue
			}
			for _, img := range t.Finger.Images {
				fingers = append(fingers, fmt.Sprintf("template %d: %s, ISO/IEC 19794-4, %s %dx%d at %d ppi, %d bytes",
					i+1, lds.FingerPositionName(img.Position), lds.FingerImageFormat(img.Image), img.Width, img.Height, t.Finger.ImageResH, len(img.Image)))
			}
		}
		d.add("fingers", fingers)
	case 4:
		dg4, err := lds.ParseDG4(b)
		if err != nil {
			d.Err = err
			return
		}
		d.Kind = "DG4 (iris)"
		d.add("templates", len(dg4.Irises))
	case 13:
		dg13, err := lds.ParseDG13(b)
		if err != nil {
			d.Err = fmt.Errorf("not the Vietnamese DG13 layout: %w", err)
			return
		}
		d.Kind = "DG13 (Vietnamese citizen data)"
		for _, f := range []struct{ k, v string }{
			{"id_number", dg13.IDNumber}, {"full_name", dg13.FullName}, {"date_of_birth", dg13.DateOfBirth},
			{"sex", dg13.Sex}, {"nationality", dg13.Nationality}, {"ethnicity", dg13.Ethnicity},
			{"religion", dg13.Religion}, {"place_of_origin", dg13.PlaceOfOrigin}, {"place_of_residence", dg13.PlaceOfResidence},
			{"identifying_features", dg13.PersonalFeatures}, {"date_of_issue", dg13.DateOfIssue}, {"date_of_expiry", dg13.DateOfExpiry},
			{"father_name", dg13.FatherName}, {"mother_name", dg13.MotherName}, {"spouse_name", dg13.SpouseName},
			{"old_id_number", dg13.OldIDNumber}, {"field_16", dg13.Field16},
		} {
			if f.v != "" {
				d.add(f.k, f.v)
			}
		}
		if len(dg13.Unknown) > 0 {
			d.add("unknown_fields", len(dg13.Unknown))
		}
	case 14:
		dg14, err := lds.ParseDG14(b)
		if err != nil {
			d.Err = err
			return
		}
		d.Kind = "DG14 (SecurityInfos)"
		d.add("security_infos", securityInfos(dg14.Infos))
	case 15:
		dg15, err := lds.ParseDG15(b)
		if err != nil {
			d.Err = err
			return
		}
		d.Kind = "DG15 (Active Authentication public key)"
		pub, err := dg15.CryptoPublicKey()
		if err != nil {
			d.Err = err
			return
		}
		d.add("key", keyName(pub))
	default:
		d.add("size", len(b))
		d.add("note", "hashed like every data group; its content is not decoded here")
	}
}

func securityInfos(infos lds.SecurityInfos) []string {
	var out []string
	for _, si := range infos {
		s := fmt.Sprintf("%s: %s, version %d", si.Kind, lds.ProtocolName(si.Protocol), si.Version)
		if si.ParameterID >= 0 {
			s += fmt.Sprintf(", parameters %d", si.ParameterID)
		}
		if si.KeyID != nil {
			s += fmt.Sprintf(", key id %s", si.KeyID)
		}
		out = append(out, s)
	}
	return out
}

func describeSOD(d *described, b []byte) {
	d.Kind = "EF.SOD (LDS security object)"
	sod, err := lds.ParseSOD(b)
	if err != nil {
		d.Err = err
		return
	}
	o := sod.Object
	d.add("hash_algorithm", o.HashAlgorithm.String())
	if o.LDSVersion != "" {
		d.add("lds_version", o.LDSVersion)
	}
	var hashes []string
	for _, h := range o.DataGroupHashes {
		hashes = append(hashes, fmt.Sprintf("DG%d %X", h.Number, h.Hash))
	}
	d.add("data_group_hashes", hashes)
	if t, ok := sod.SigningTime(); ok {
		d.add("signing_time", t.UTC().Format(time.RFC3339))
	}
	var certs []string
	for _, c := range sod.Certificates {
		certs = append(certs, fmt.Sprintf("%s (serial %s, %s to %s)", c.Subject, c.SerialNumber.Text(16), c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02")))
	}
	d.add("certificates", certs)
}

func describeX509(d *described, b []byte) {
	if c, err := pki.ParseCertificate(b); err == nil {
		describeCertificate(d, c)
		return
	}
	if crl, err := pki.ParseCRL(b); err == nil {
		d.Kind = "X.509 CRL"
		d.add("issuer", crl.Issuer.String())
		d.add("this_update", crl.ThisUpdate.UTC().Format(time.RFC3339))
		if !crl.NextUpdate.IsZero() {
			d.add("next_update", crl.NextUpdate.UTC().Format(time.RFC3339))
		}
		if crl.Number != nil {
			d.add("crl_number", crl.Number.String())
		}
		d.add("revoked", len(crl.Revoked))
		return
	}
	ml, err := pki.ParseMasterList(b)
	if err != nil {
		d.Kind = "DER SEQUENCE"
		d.Err = fmt.Errorf("neither a certificate, a CRL nor a master list: %w", err)
		return
	}
	d.Kind = "ICAO CSCA master list"
	d.add("summary", ml.Summary())
	if ml.Signer != nil {
		d.add("signer", ml.Signer.Subject.String())
	}
}

func describeCertificate(d *described, c *pki.Certificate) {
	switch {
	case c.IsCA && pki.IsSelfSigned(c):
		d.Kind = "X.509 certificate (CSCA, self-signed)"
	case c.IsCA:
		d.Kind = "X.509 certificate (CA: a link certificate, or a CSCA issued by another)"
	default:
		d.Kind = "X.509 certificate (end entity: Document Signer or master list signer)"
	}
	d.add("subject", c.Subject.String())
	d.add("issuer", c.Issuer.String())
	d.add("serial", c.SerialNumber.Text(16))
	d.add("not_before", c.NotBefore.UTC().Format(time.RFC3339))
	d.add("not_after", c.NotAfter.UTC().Format(time.RFC3339))
	if c.PublicKey != nil {
		key := keyName(c.PublicKey)
		if c.ExplicitECParameters {
			key += " (explicit curve parameters)"
		}
		d.add("key", key)
	} else if c.PublicKeyError != nil {
		d.add("key", "unsupported: "+c.PublicKeyError.Error())
	}
	d.add("signature_algorithm", sigAlgName(c.SignatureAlgorithm.Algorithm.String()))
	if len(c.DocumentTypes) > 0 {
		d.add("document_types", strings.Join(c.DocumentTypes, " "))
	}
	if err := pki.CheckCSCA(c); c.IsCA && err != nil {
		d.add("usable_as_csca", err.Error())
	} else if c.IsCA {
		d.add("usable_as_csca", "yes")
	}
	if len(c.UnhandledCritical) > 0 {
		d.add("unhandled_critical_extensions", fmt.Sprint(c.UnhandledCritical))
	}
	if len(c.Notes) > 0 {
		d.add("notes", c.Notes)
	}
}

func describeCVC(d *described, b []byte) {
	if b[0] == 0x67 || bytes.HasPrefix(b, []byte{0x7F, 0x21}) {
		if c, err := cvc.ParseCertificate(b); err == nil {
			d.Kind = "card-verifiable certificate (" + c.Role().String() + ")"
			d.add("description", strings.Split(strings.TrimSpace(c.String()), "\n"))
			return
		}
	}
	r, err := cvc.ParseRequest(b)
	if err != nil {
		d.Kind = "card-verifiable certificate"
		d.Err = err
		return
	}
	d.Kind = "card-verifiable certificate request"
	d.add("description", strings.Split(strings.TrimSpace(r.String()), "\n"))
}

func keyName(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	}
	return fmt.Sprintf("%T", pub)
}

// sigAlgName names the signature algorithms of ICAO 9303-12 certificates.
func sigAlgName(oid string) string {
	if n, ok := map[string]string{
		"1.2.840.10045.4.3.2":   "ecdsa-with-SHA256",
		"1.2.840.10045.4.3.3":   "ecdsa-with-SHA384",
		"1.2.840.10045.4.3.4":   "ecdsa-with-SHA512",
		"1.2.840.10045.4.3.1":   "ecdsa-with-SHA224",
		"1.2.840.10045.4.1":     "ecdsa-with-SHA1",
		"1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
		"1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
		"1.2.840.113549.1.1.13": "sha512WithRSAEncryption",
		"1.2.840.113549.1.1.5":  "sha1WithRSAEncryption",
		"1.2.840.113549.1.1.10": "RSASSA-PSS",
	}[oid]; ok {
		return n
	}
	return oid
}
