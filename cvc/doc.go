// Package cvc implements card-verifiable (CV) certificates for Extended
// Access Control: the certificate and request profiles of BSI TR-03110
// part 3 Appendix C and their DER encoding of Appendix D, the signature
// formats of Terminal Authentication (TR-03110 part 3 §A.7.3, §A.7.4,
// TR-03111 §5.2.1), the certificate chain validation an ICC performs
// (TR-03110 part 3 §2.5, §2.7; ICAO Doc 9303-11 §7.1.4.3) and the data a
// terminal signs in EXTERNAL AUTHENTICATE (ICAO Doc 9303-11 §7.1.2).
//
// Parsers keep the exact bytes they read (Raw, RawBody) so that signatures
// are verified over what was signed, and refuse anything that is not the
// DER encoding the standard requires (TR-03110 part 3 §D): a certificate
// that parses encodes back to the same bytes.
package cvc
