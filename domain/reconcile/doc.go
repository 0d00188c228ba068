// Package reconcile matches the bank's return files with the payments the
// fund ledger instructed (DOMAIN.md §1, §5: "every disbursement instructed
// must match a bank settlement; every bank line must match an
// instruction"), for the county finance bureau.
//
// A bank file (format: bankfile.go, Parse) is read and checked whole, then
// every line is decided (Match) against the payments as the project streams
// record them:
//
//	settled          → fund.SettlePayment on the project's stream
//	returned, failed → fund.FailPayment (the money goes back to the project)
//	mismatched       → reconcile.line_mismatched.v1 (amount or account differs)
//	unknown          → reconcile.line_unknown.v1 (no such instruction)
//	duplicated       → reconcile.line_duplicated.v1 (twice in the file, or
//	                   reported before)
//
// Each imported file is an aggregate: the stream reconcile-<SHA-256 of its
// bytes> holds its exceptions (returned lines too, as
// reconcile.line_returned.v1 naming the fund ledger's failure) and, last,
// reconcile.file_imported.v1 with the tallies per outcome. Importing the
// same bytes again returns the recorded report and writes nothing. How a
// file is applied all or nothing, eventually, although its payments lie on
// many streams, is Service.Import's documentation.
package reconcile
