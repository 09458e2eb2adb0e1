package verify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cccd-vn/cccd/apdu"
	"github.com/cccd-vn/cccd/pki"

	"golang.org/x/text/language"

	"github.com/cccd-vn/cccd/lds"
)

// passiveAuthentication checks EF.SOD (ICAO 9303-11 §5.1): the data-group
// hashes, the signature, the Document Signer's chain to a trusted CSCA (or,
// with Options.DocumentSigner, that it is that very certificate), validity,
// revocation and the CSCA's country.
func passiveAuthentication(rep *Report, f *document, dg1 *lds.DG1, opt Options, now time.Time) {
	trust := opt.Trust
	if f.sod == nil {
		rep.add("sod.parse", Fail, "EF.SOD could not be read: the data cannot be authenticated")
		for _, n := range f.toRead() {
			if _, ok := f.dgs[n]; ok {
				rep.add(fmt.Sprintf("dg%d.hash", n), Fail, "DG%d cannot be checked without EF.SOD", n)
			}
		}
		return
	}
	sod, err := lds.ParseSOD(f.sod)
	if err != nil {
		rep.add("sod.parse", Fail, "EF.SOD does not parse: %v", err)
		return
	}
	rep.add("sod.parse", Pass, "EF.SOD parses: %d data groups signed with %s", len(sod.Object.DataGroupHashes), sod.Object.HashAlgorithm)
	var t lds.Trust
	if trust != nil {
		t = trust.Trust()
	}
	if opt.DocumentSigner != nil {
		t.DocumentSigners = append(t.DocumentSigners, opt.DocumentSigner)
	}
	r := sod.Verify(f.dgs, t, now)
	for _, d := range r.DataGroups {
		dataGroupCheck(rep, f, d)
	}
	comVsSOD(rep, f)
	one := func(name string, err error, ok string) {
		if err == nil {
			rep.add(name, Pass, "%s", ok)
		} else {
			rep.add(name, Fail, "%v", err)
		}
	}
	one("sod.content_type", r.ContentType, "content type is the LDS security object")
	one("sod.message_digest", r.MessageDigest, "message digest matches the security object")
	one("sod.signature", r.Signature, "Document Signer signature verifies")
	switch {
	case opt.DocumentSigner != nil:
		if r.DocumentSigner != nil && r.DocumentSigner.Equal(opt.DocumentSigner) {
			rep.add("sod.chain", Pass, "signed by the Document Signer in use (serial %s)", opt.DocumentSigner.SerialNumber.Text(16))
		} else {
			rep.add("sod.chain", Fail, "EF.SOD is not signed by the Document Signer in use (serial %s)", opt.DocumentSigner.SerialNumber.Text(16))
		}
	case trust == nil || len(trust.CSCAs) == 0:
		rep.add("sod.chain", Fail, "no trusted CSCA: give --trust with the issuing country's CSCA or master list")
	default:
		one("sod.chain", r.Chain, "Document Signer issued by a trusted CSCA")
	}
	one("sod.validity", r.Validity, "certificates valid at "+now.Format("2006-01-02"))
	switch {
	case opt.DocumentSigner != nil && r.CSCA == nil:
		rep.add("sod.revocation", Skip, "the Document Signer in use is trusted as it is")
	case r.Revocation == nil:
		rep.add("sod.revocation", Pass, "Document Signer not revoked (CRL checked)")
	case revocationUnknown(r.Revocation):
		// No current CRL: unknown, not passed (ICAO 9303-12 §7.1.4). A
		// counter that must know asks for it with RequireCRL.
		st := Warn
		if opt.RequireCRL {
			st = Fail
		}
		rep.add("sod.revocation", st, "revocation unknown: %v", r.Revocation)
	default:
		rep.add("sod.revocation", Fail, "%v", r.Revocation)
	}
	if r.DocumentSigner != nil {
		rep.Signer = &Signer{Subject: r.DocumentSigner.Subject.String(), Serial: r.DocumentSigner.SerialNumber.Text(16),
			NotBefore: r.DocumentSigner.NotBefore.Format(time.RFC3339), NotAfter: r.DocumentSigner.NotAfter.Format(time.RFC3339)}
	}
	// A CSCA may sign only for its own country (ICAO 9303-12 §5): a
	// rogue CSCA in the store must not make a VNM card genuine.
	if r.CSCA != nil && rep.Signer != nil {
		rep.Signer.CSCA = r.CSCA.Subject.String()
	}
	switch {
	case r.CSCA == nil && opt.DocumentSigner != nil:
		rep.add("sod.country", Skip, "the Document Signer in use is trusted as it is")
	case r.CSCA == nil:
		rep.add("sod.country", Skip, "no trusted CSCA found for the Document Signer")
	case dg1 == nil:
		rep.add("sod.country", Fail, "no DG1 to compare the issuing state with")
	default:
		c := ""
		if len(r.CSCA.Subject.Country) > 0 {
			c = strings.ToUpper(r.CSCA.Subject.Country[0])
		}
		if alpha2(dg1.MRZ.IssuingState) == c {
			rep.add("sod.country", Pass, "CSCA country %s matches the issuing state %s", c, dg1.MRZ.IssuingState)
		} else {
			rep.add("sod.country", Fail, "CSCA of country %q signed a document of issuing state %s", c, dg1.MRZ.IssuingState)
		}
	}
}

// alpha2 maps an ICAO 9303-3 §5 issuing-state code to the ISO 3166-1
// alpha-2 code a CSCA certificate carries (ICAO 9303-12 §7.1.1): ISO
// alpha-3 through the CLDR region table, plus ICAO's own codes.
func alpha2(state string) string {
	s := strings.ToUpper(strings.Trim(state, "<"))
	switch s {
	case "D":
		return "DE"
	case "GBD", "GBN", "GBO", "GBP", "GBS":
		return "GB"
	case "UTO":
		return "UT" // ICAO's test state Utopia
	}
	if r, err := language.ParseRegion(s); err == nil && len(s) == 3 && r.IsCountry() {
		return r.String()
	}
	return s
}

// dataGroupCheck reports one data group's hash check. Every data group
// EF.SOD lists must be there and match: the signed list decides, not the
// unsigned EF.COM. Only DG3 and DG4, which the chip keeps behind EAC
// terminal authentication, may be refused — reported, not passed.
func dataGroupCheck(rep *Report, f *document, d lds.DGCheck) {
	name := fmt.Sprintf("dg%d.hash", d.DG)
	switch d.Status {
	case lds.DGVerified:
		rep.add(name, Pass, "DG%d matches its hash in EF.SOD", d.DG)
	case lds.DGMismatch:
		rep.add(name, Fail, "DG%d does not match its hash in EF.SOD: changed after signing", d.DG)
	case lds.DGNotInSOD:
		rep.add(name, Fail, "DG%d is on the chip but not in EF.SOD: added after signing", d.DG)
	case lds.DGNotRead:
		eac := d.DG == 3 || d.DG == 4
		sw, refused := f.refused[d.DG]
		switch {
		case slices.Contains(f.unread, d.DG):
			rep.add(name, Skip, "DG%d not read: the chip could not go on after chip authentication", d.DG)
		case eac && refused && sw == apdu.SWSecurityStatus && f.ta != nil:
			rep.add(name, Fail, "the chip refuses DG%d (6982) after terminal authentication granted read access to it: withheld", d.DG)
		case eac && (f.offline || sw == apdu.SWSecurityStatus):
			why := ""
			if f.taSkip != "" {
				why = " (" + f.taSkip + ")"
			}
			rep.add(name, Warn, "DG%d present, protected by EAC terminal authentication: not checked%s", d.DG, why)
		case f.offline:
			rep.add(name, Fail, "DG%d is listed in EF.SOD but not among the files: it cannot be checked", d.DG)
		case refused && sw == apdu.SWSecurityStatus:
			rep.add(name, Fail, "the chip refuses DG%d (6982), which EF.SOD lists: a genuine chip gives it (withheld)", d.DG)
		case refused && sw == apdu.SWFileNotFound:
			rep.add(name, Fail, "EF.SOD lists DG%d but the chip does not have it (6A82): withheld", d.DG)
		case refused:
			rep.add(name, Fail, "the chip answers %04X for DG%d, which EF.SOD lists: withheld", uint16(sw), d.DG)
		default:
			rep.add(name, Fail, "DG%d is listed in EF.SOD but was not read", d.DG)
		}
	}
}

// comVsSOD compares EF.COM's list, which nobody signs, with EF.SOD's. The
// SOD decides what is read and checked; a disagreement is shown, since a
// genuine chip lists the same data groups in both (ICAO 9303-10 §4.6.1).
func comVsSOD(rep *Report, f *document) {
	if f.com == nil {
		rep.add("com.matches_sod", Warn, "no EF.COM: the data groups were taken from EF.SOD")
		return
	}
	com, err := lds.ParseCOM(f.com)
	if err != nil {
		rep.add("com.matches_sod", Warn, "EF.COM does not parse (%v): the data groups were taken from EF.SOD", err)
		return
	}
	inCOM, inSOD := map[int]bool{}, map[int]bool{}
	for _, n := range com.DataGroups() {
		inCOM[n] = true
	}
	for _, n := range f.sodList {
		inSOD[n] = true
	}
	var missing, extra []string
	for _, n := range f.sodList {
		if !inCOM[n] {
			missing = append(missing, fmt.Sprintf("DG%d", n))
		}
	}
	for _, n := range com.DataGroups() {
		if !inSOD[n] {
			extra = append(extra, fmt.Sprintf("DG%d", n))
		}
	}
	switch {
	case len(missing) == 0 && len(extra) == 0:
		rep.add("com.matches_sod", Pass, "EF.COM lists the data groups EF.SOD signs")
	default:
		var why []string
		if len(missing) > 0 {
			why = append(why, "EF.COM omits "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			why = append(why, "EF.COM lists "+strings.Join(extra, ", ")+" that EF.SOD does not sign")
		}
		rep.add("com.matches_sod", Warn, "%s: EF.SOD decides what was checked", strings.Join(why, "; "))
	}
}

// revocationUnknown tells an unknown revocation status (no CRL of the
// CSCA, or none that is current) from a revoked certificate or a broken
// CRL.
func revocationUnknown(err error) bool { return pki.RevocationUnknown(err) }
