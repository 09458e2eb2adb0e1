package citizen

import (
	"sort"
	"strconv"
)

// provinces is the province/city code table of the personal ID number
// (the first three digits, PPP): the 63 units before the 2025 merger. Codes of
// people already numbered never change, so the table stays as it was when the
// numbers were issued (Circular 07/2016/TT-BCA, Annex; see
// shared/cccd-reference.md).
var provinces = map[string]string{
	"001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
	"008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
	"014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
	"020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
	"026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
	"033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
	"037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
	"044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
	"049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
	"056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
	"064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
	"070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
	"077": "Bà Rịa – Vũng Tàu", "079": "TP Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
	"083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
	"089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
	"094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

// Codes 101–295 stand for the country where a birth registered abroad took
// place (same circular). Their country table is not public in a form we can
// cite, so they are accepted and reported as "abroad".
const abroadFirst, abroadLast = 101, 295

// Province is one entry of the province code table.
type Province struct {
	Code   string `json:"code"`   // three digits, e.g. "079"
	Name   string `json:"name"`   // Vietnamese name with diacritics; "nước ngoài" for codes 101–295
	Abroad bool   `json:"abroad"` // true for 101–295: birth registered abroad
}

// LookupProvince returns the province of a three-digit code and whether the
// code is known (one of the 63 provinces, or 101–295 for abroad).
func LookupProvince(code string) (Province, bool) {
	if name, ok := provinces[code]; ok {
		return Province{Code: code, Name: name}, true
	}
	if len(code) == 3 && allDigits(code) {
		n, _ := strconv.Atoi(code)
		if n >= abroadFirst && n <= abroadLast {
			return Province{Code: code, Name: "nước ngoài", Abroad: true}, true
		}
	}
	return Province{}, false
}

// Provinces lists the 63 domestic provinces in code order (the abroad range
// 101–295 is not listed).
func Provinces() []Province {
	out := make([]Province, 0, len(provinces))
	for code, name := range provinces {
		out = append(out, Province{Code: code, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
