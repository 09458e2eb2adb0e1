package lds

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// ldsVectors is the subset of the shared ICAO 9303 vectors the LDS tests
// replay (testdata/lds/icao9303.json, sources listed inside).
type ldsVectors struct {
	SOD struct {
		LDSSecurityObjectHex string `json:"lds_security_object_hex"`
		MessageDigest        string `json:"signed_attr_message_digest"`
		EFCOM                string `json:"ef_com_same_sample"`
	} `json:"ef_sod_sample_bsi2008"`
	CardAccess struct {
		Items []struct{ Name, Hex string } `json:"items"`
	} `json:"ef_cardaccess_examples"`
	CA struct {
		DG14      string `json:"dg14"`
		ChipCAKey string `json:"chip_ca_public_key"`
	} `json:"chip_authentication_ecdh_gmrtd_AT"`
	AA struct {
		DG15 string `json:"dg15"`
	} `json:"active_authentication_rsa_gmrtd"`
	BAC struct {
		MRZ struct {
			TD1            string `json:"mrz_td1_as_in_dmrtd"`
			MRZInformation string `json:"mrz_information"`
		} `json:"mrz"`
	} `json:"bac_appendix_d"`
	OtherMRZ struct {
		Items    []struct{ MRZ, Format string } `json:"items"`
		Computed struct {
			LongDocNo  string `json:"mrz_information_td1_long_docno"`
			Mustermann string `json:"mrz_information_mustermann"`
		} `json:"computed_here"`
	} `json:"bac_other_mrz_examples"`
}

func loadLDSVectors(t testing.TB) *ldsVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/lds/icao9303.json")
	if err != nil {
		t.Fatal(err)
	}
	var v ldsVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return &v
}

func ldsUnhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
