// Package lds holds the file formats of the Logical Data Structure of an
// eMRTD chip (ICAO Doc 9303-10, "Logical Data Structure (LDS) for Storage of
// Biometrics and Other Data in the Contactless Integrated Circuit"):
//
//   - the file identifiers, short EF identifiers and the eMRTD application
//     identifier (9303-10 §3.6, §3.11), defined once (files.go);
//   - EF.COM (§4.6.1), DG1 with the MRZ (§4.7.1; TD1/TD3 of 9303-5/-4, check
//     digits of 9303-3 §4.9, transliteration of 9303-3 §6), DG2 with the
//     face in CBEFF (§4.7.2, ISO/IEC 19794-5), the Vietnamese DG13 of the CCCD,
//     DG14 and EF.CardAccess (SecurityInfos, 9303-11 §9.2), DG15 (Active
//     Authentication public key, §4.7.15);
//   - EF.SOD (§4.6.2): the LDS security object in CMS SignedData, its
//     signing, and passive authentication of the data groups against it
//     (9303-11 §5.1);
//   - building every file of a CCCD chip from a citizen record (BuildDocument).
//
// It holds formats only: no APDU is sent here, and the protocols that read
// and protect these files (BAC, PACE, chip and active authentication) are
// in package chip. BER-TLV comes from package apdu's reader and encoder.
package lds
