package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes of the design (shared/DESIGN.md): scripts and counters depend
// on them, so they never change meaning.
const (
	ExitOK       = 0 // success / card genuine
	ExitFailed   = 1 // verification failed: the card is not what it claims
	ExitUsage    = 2 // bad usage or bad input file
	ExitIOFailed = 3 // reader, card or I/O failure: nothing was concluded
)

// exitError carries an exit code up to main together with the message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that the process exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageError reports bad usage (exit 2) and points at the command's help.
func usageError(c *cobra.Command, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if c != nil {
		msg += fmt.Sprintf("\n(see '%s --help')", c.CommandPath())
	}
	return &exitError{code: ExitUsage, err: errors.New(msg)}
}

// inputError reports a bad input file or value (exit 2).
func inputError(err error) error { return withCode(ExitUsage, err) }

// ioError reports reader, card or I/O trouble (exit 3).
func ioError(err error) error { return withCode(ExitIOFailed, err) }

// failedError reports a failed verification (exit 1).
func failedError(err error) error { return withCode(ExitFailed, err) }

// exitCode maps an error returned by a command to the process exit code.
// Commands wrap every error with the code it deserves; an error without one
// comes from cobra itself (unknown command, wrong number of arguments): bad
// usage.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}
