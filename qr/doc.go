// Package qr reads and writes the QR code printed on the body of the
// Vietnamese chip identity card: the 2021 CCCD and the 2024 identity card.
//
// # Payload
//
// One line of UTF-8, fields separated by '|' (shared/cccd-reference.md):
//
//	ID number (12)|old ID (9, may be empty)|full name|date of birth ddmmyyyy|Nam/Nữ|place of residence|date of issue ddmmyyyy
//
// Parse reads it into a Payload (dates become YYYY-MM-DD), keeps unknown
// trailing fields in Extra, and names every malformed field by position and
// meaning ("field 4 (date of birth) '31021990' is not a date"). Validate adds
// the soft checks of the ID number (citizen.ID.Check). The layout is told by
// the date of issue: a card issued from 1 July 2024 is a 2024 identity card
// ("Căn cước"), whose QR adds the cancelled ID numbers and, for children,
// the parents' names (Circular 16/2024/TT-BCA; the order is not published,
// so the fields after the seventh are read by their shape and written back
// exactly as read — see Layout2024). Nothing after the seventh field is an
// error.
//
// Payload.Secret derives what opens the chip: the CAN (last 6 digits of
// the ID number) for PACE, and the BAC inputs (document number = last 9
// digits, date of birth, date of expiry by the age-milestone rule).
//
// # Rendering
//
// PNG, SVG and Terminal render with github.com/skip2/go-qrcode in byte mode
// without ECI, like the cards. Options default to level M, a 4-module quiet
// zone and 8 px per module.
//
// # Decoding
//
// Decode uses github.com/makiuchi-d/gozxing with the character set set to
// UTF-8: QR byte mode carries no character set, and decoders that guess turn
// Vietnamese into Shift-JIS (zbarimg does unless run with -Sbinary). A
// payload whose bytes are not UTF-8 is rejected with ErrEncoding.
//
// Camera images are tried in several passes (see passes in decode.go), the
// first one that finds a code wins. Measured on the payload of the reference
// (version 10, 57 modules) in TestDecodeRobustness:
//
//	image                                                  found by
//	clean render, 4 px/module                              hybrid
//	rotated 90°, 180°                                      hybrid
//	rotated 17°                                            hybrid
//	rotated 45°                                            rotate45
//	scaled to 2 px/module, 1 px/module (aligned)           hybrid
//	scaled to 1.5 px/module                                double
//	box blur radius 2 at 6 px/module                       hybrid
//	box blur radius 4 at 6 px/module                       double
//	JPEG quality 30, quality 5                             hybrid
//	low contrast (grey 110–150)                            global
//	very low contrast (grey 120–132) with noise            contrast
//	in a 1200×900 scene with other content                 hybrid
//	photo: scene, tilted 12°, low contrast, noise, JPEG 60 hybrid
//	inverted (light modules on dark)                       inverted
//	perspective, top edge 90 % / 85 % of the bottom        hybrid
//	12 MP photo, code at 3 px/module, noise, JPEG 80       hybrid
//	perspective, top edge 75 % of the bottom               not found (zbarimg fails too)
//	scaled to 0.75 px/module                               not found
//	box blur radius 6 at 4 px/module                       not found
//	half of the code covered                               not found
//
// When no pass finds a code the error wraps ErrNotFound and says how to take
// a better picture.
package qr
