package verify

import (
	"fmt"
	"strings"

	"github.com/cccd-vn/cccd/lds"
)

// cardAccessVsDG14 checks what nobody signs against what EF.SOD does:
// EF.CardAccess chooses the PACE the chip runs, and DG14 repeats its
// PACEInfos precisely so that passive authentication covers them (ICAO
// 9303-11 §9.2.1). A PACE variant offered in EF.CardAccess — or run — that
// DG14 does not list is a downgrade.
func cardAccessVsDG14(rep *Report, f *document) {
	const name = "access.cardaccess_dg14"
	b14, ok := f.dgs[14]
	if !ok {
		return
	}
	dg14, err := lds.ParseDG14(b14)
	if err != nil {
		return // dg14.parse fails in clone detection
	}
	signed := dg14.Infos.Of(lds.SecurityInfoPACE)
	if len(signed) == 0 {
		if f.cardAccess != nil && !f.noCardAccess {
			rep.add(name, Skip, "DG14 repeats no PACEInfo: the PACE parameters of EF.CardAccess are not covered by the signature")
		}
		return
	}
	key := func(si lds.SecurityInfo) string { return fmt.Sprintf("%s/%d", si.Protocol, si.ParameterID) }
	inDG14 := map[string]bool{}
	for _, si := range signed {
		inDG14[key(si)] = true
	}
	var offered []lds.SecurityInfo
	if f.cardAccess != nil {
		ca, err := lds.ParseCardAccess(f.cardAccess)
		if err != nil {
			rep.add(name, Fail, "EF.CardAccess does not parse (%v) while DG14 signs PACE parameters", err)
			return
		}
		offered = ca.Infos.Of(lds.SecurityInfoPACE)
	}
	var bad []string
	for _, si := range offered {
		if !inDG14[key(si)] {
			bad = append(bad, key(si))
		}
	}
	if f.pace != nil {
		used := lds.SecurityInfo{Protocol: f.pace.Protocol, ParameterID: f.pace.ParameterID}
		if !inDG14[key(used)] {
			bad = append(bad, key(used)+" (used)")
		}
	}
	switch {
	case f.noCardAccess:
		rep.add(name, Skip, "EF.CardAccess not read: the chip was opened with BAC (--no-pace)")
	case len(bad) > 0:
		rep.add(name, Fail, "EF.CardAccess offers PACE %s that the signed DG14 does not list: downgraded", strings.Join(bad, ", "))
	case f.cardAccess == nil && !f.offline:
		rep.add(name, Fail, "DG14 signs PACE parameters but the chip has no EF.CardAccess")
	case f.cardAccess == nil:
		rep.add(name, Skip, "no EF.CardAccess among the files")
	default:
		rep.add(name, Pass, "the PACE parameters of EF.CardAccess are the ones DG14 signs")
	}
}
