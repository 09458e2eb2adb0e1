// Package citizen holds the rules about a Vietnamese citizen that every
// other package shares: the 12-digit personal ID number (structure, province
// table, century/sex digit), the old 9-digit CMND number, sex values, the
// card expiry rule by age milestones, and Record, the citizen record the CLI
// and personalization take in.
//
// The package is a leaf: it imports nothing from this module.
//
// Soft and hard checks: the structure PPP G YY NNNNNN of the ID number comes
// from a circular that expired on 1 July 2024, so a structure mismatch
// (unknown province, century/sex digit or birth year disagreeing with the
// record) is returned as a Check listing problems that name their field;
// callers choose to warn or reject. A value that is not 12 digits is always
// an error.
//
// Secrets: the last six digits of the ID number are the CAN of the 2021 card;
// no error text of this package repeats an ID number.
package citizen
